package secretscan

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScanFindsPlainAndBase64AndNeverEchoes(t *testing.T) {
	pass := "Xy7!q2Pz"
	found := Scan([]string{pass, ""}, map[string][]byte{
		"log":     []byte(`level=info msg=ok pass=` + pass),
		"history": []byte(`{"data":"` + base64.StdEncoding.EncodeToString([]byte(pass)) + `"}`),
		"clean":   []byte("nothing here"),
	})
	require.Len(t, found, 2)
	require.Equal(t, "history", found[0].Source)
	require.Equal(t, "log", found[1].Source)
	require.NotContains(t, found[0].String()+found[1].String(), pass)
	require.Empty(t, Scan([]string{pass}, map[string][]byte{"clean": []byte("x")}))
}

func TestScanFindsEscapedForms(t *testing.T) {
	pass := "+@tLmq&m"
	found := Scan([]string{pass}, map[string][]byte{"mail": []byte("<strong>&#43;@tLmq&amp;m</strong>"),
		"json": []byte(`{"x":"+@tLmq\u0026m"}`)})
	require.Len(t, found, 2)
}

func TestScanFindsBase64AtEveryAlignment(t *testing.T) {
	pass := "Xy7!q2Pz"
	for k := 0; k < 3; k++ {
		payload := append([]byte("{\"x\":\"ab"[:k]), pass...)
		blob := base64.StdEncoding.EncodeToString(append(payload, []byte(`"}`)...))
		require.Len(t, Scan([]string{pass}, map[string][]byte{"history": []byte(`{"data":"` + blob + `"}`)}), 1, "alignment %d", k)
	}
}
