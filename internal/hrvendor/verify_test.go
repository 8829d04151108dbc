package hrvendor

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func bambooHeaders(secret string, body []byte, ts string) http.Header {
	h := http.Header{}
	h.Set(BambooHRTimestampHeader, ts)
	h.Set(BambooHRSignatureHeader, SignBambooHR(secret, body, ts))
	return h
}

func TestBambooHRVerify(t *testing.T) {
	body := []byte(`{"type":"employee.updated","data":{"employeeId":"1"}}`)
	unix := strconv.FormatInt(testNow.Unix(), 10)
	b := NewBambooHR(BambooHRConfig{Secrets: []string{"new-key", "old-key"}})
	cases := []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"good unix seconds", bambooHeaders("new-key", body, unix), body, nil},
		{"good ISO without colon", bambooHeaders("new-key", body, "2026-11-26T08:58:00+0000"), body, nil},
		{"good RFC 3339", bambooHeaders("new-key", body, "2026-11-26T09:03:00Z"), body, nil},
		{"rotated: old secret still accepted", bambooHeaders("old-key", body, unix), body, nil},
		{"wrong secret", bambooHeaders("other", body, unix), body, ErrBadSignature},
		{"tampered body", bambooHeaders("new-key", body, unix), []byte(strings.Replace(string(body), `"1"`, `"2"`, 1)), ErrBadSignature},
		{"timestamp swapped after signing", func() http.Header {
			h := bambooHeaders("new-key", body, unix)
			h.Set(BambooHRTimestampHeader, strconv.FormatInt(testNow.Unix()+1, 10))
			return h
		}(), body, ErrBadSignature},
		{"stale", bambooHeaders("new-key", body, strconv.FormatInt(testNow.Add(-6*time.Minute).Unix(), 10)), body, ErrStale},
		{"future", bambooHeaders("new-key", body, strconv.FormatInt(testNow.Add(6*time.Minute).Unix(), 10)), body, ErrStale},
		{"unreadable timestamp", bambooHeaders("new-key", body, "yesterday"), body, ErrStale},
		{"no headers", http.Header{}, body, ErrBadSignature},
		{"not hex", http.Header{BambooHRSignatureHeader: {"zz"}, BambooHRTimestampHeader: {unix}}, body, ErrBadSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := b.Verify(c.h, c.body, testNow)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestBambooHRVerifyWindowConfigurable(t *testing.T) {
	body := []byte(`{}`)
	ts := strconv.FormatInt(testNow.Add(-20*time.Minute).Unix(), 10)
	b := NewBambooHR(BambooHRConfig{Secrets: []string{"k"}, ReplayWindow: 30 * time.Minute})
	if err := b.Verify(bambooHeaders("k", body, ts), body, testNow); err != nil {
		t.Fatalf("Verify within a 30-minute window = %v", err)
	}
}

func TestVerifyErrorsCarryNoContent(t *testing.T) {
	body := []byte(`{"type":"employee.updated","data":{"employeeId":"ada.lovelace@contoso.example"}}`)
	h := http.Header{BambooHRSignatureHeader: {"deadbeef-secret-sig"}, BambooHRTimestampHeader: {"ts-secret-value"}}
	err := NewBambooHR(BambooHRConfig{Secrets: []string{"k"}}).Verify(h, body, testNow)
	for _, leak := range []string{"ada.lovelace", "deadbeef", "ts-secret-value", "k\""} {
		if err == nil || strings.Contains(err.Error(), leak) {
			t.Fatalf("error %v leaks %q", err, leak)
		}
	}
	hb := NewHiBob(HiBobConfig{Secrets: []string{"s"}})
	err = hb.Verify(http.Header{HiBobSignatureHeader: {"bm90LWEtc2ln"}}, body, testNow)
	if err == nil || strings.Contains(err.Error(), "ada.lovelace") || strings.Contains(err.Error(), "bm90") {
		t.Fatalf("error %v leaks content", err)
	}
}

func TestHiBobVerify(t *testing.T) {
	fresh := []byte(`{"type":"employee.created","triggeredAt":"2026-11-26T08:59:00.123456","version":"v2","data":{"employeeId":"1"}}`)
	old := []byte(`{"type":"employee.created","triggeredAt":"2026-11-20T08:59:00","version":"v2","data":{"employeeId":"1"}}`)
	ahead := []byte(`{"type":"employee.created","triggeredAt":"2026-11-26T09:30:00","version":"v2","data":{"employeeId":"1"}}`)
	ping := []byte(`Ping test`)
	b := NewHiBob(HiBobConfig{Secrets: []string{"current", "previous"}})
	sig := func(secret string, body []byte) http.Header {
		return http.Header{HiBobSignatureHeader: {SignHiBob(secret, body)}}
	}
	cases := []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"good", sig("current", fresh), fresh, nil},
		{"rotated", sig("previous", fresh), fresh, nil},
		{"unpadded base64", http.Header{HiBobSignatureHeader: {strings.TrimRight(SignHiBob("current", fresh), "=")}}, fresh, nil},
		{"no triggeredAt", sig("current", ping), ping, nil},
		{"wrong secret", sig("nope", fresh), fresh, ErrBadSignature},
		{"tampered", sig("current", fresh), []byte(strings.Replace(string(fresh), `"1"`, `"2"`, 1)), ErrBadSignature},
		{"missing", http.Header{}, fresh, ErrBadSignature},
		{"hex instead of base64", http.Header{HiBobSignatureHeader: {"abcdef"}}, fresh, ErrBadSignature},
		{"older than MaxEventAge", sig("current", old), old, ErrStale},
		{"ahead of the clock", sig("current", ahead), ahead, ErrStale},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := b.Verify(c.h, c.body, testNow)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
	unbounded := NewHiBob(HiBobConfig{Secrets: []string{"current"}, MaxEventAge: -1})
	if err := unbounded.Verify(sig("current", []byte(`{"type":"employee.created","data":{}}`)),
		[]byte(`{"type":"employee.created","data":{}}`), testNow); err != nil {
		t.Fatalf("Verify with no age bound and no triggeredAt = %v", err)
	}
	if err := unbounded.Verify(sig("current", old), old, testNow); err != nil {
		t.Fatalf("Verify with no age bound = %v", err)
	}
}

func TestHiBobVerifyNeedsAReadableTriggeredAt(t *testing.T) {
	b := NewHiBob(HiBobConfig{Secrets: []string{"current"}})
	for name, c := range map[string]struct {
		body string
		want error
	}{
		"missing":            {`{"type":"employee.updated","data":{"employeeId":"1"}}`, ErrStale},
		"a number":           {`{"type":"employee.updated","triggeredAt":1764147540,"data":{"employeeId":"1"}}`, ErrStale},
		"unknown format":     {`{"type":"employee.left","triggeredAt":"26 Nov 2026","data":{"employeeId":"1"}}`, ErrStale},
		"null":               {`{"type":"employee.deleted","triggeredAt":null,"data":{"employeeId":"1"}}`, ErrStale},
		"trailing object":    {`{"type":"employee.created","data":{"employeeId":"1"}}{"triggeredAt":"2026-11-26T08:59:00"}`, ErrStale},
		"trailing junk":      {`{"type":"employee.created","triggeredAt":"2026-11-26T08:59:00","data":{"employeeId":"1"}} x`, ErrStale},
		"not JSON":           {`type=employee.created`, ErrStale},
		"fresh, trailing ws": {"{\"type\":\"employee.created\",\"triggeredAt\":\"2026-11-26T08:59:00\",\"data\":{\"employeeId\":\"1\"}}\n", nil},
		"other family":       {`{"type":"timeoff.request.created","data":{}}`, nil},
		"connection test":    {`{"text":"Ping test"}`, nil},
		"bare ping":          {`"Ping test"`, nil},
	} {
		body := []byte(c.body)
		err := b.Verify(http.Header{HiBobSignatureHeader: {SignHiBob("current", body)}}, body, testNow)
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Fatalf("%s: Verify = %v, want %v", name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "employee.") {
			t.Fatalf("%s: error %v carries body content", name, err)
		}
	}
}

func TestParseRefusesTrailingData(t *testing.T) {
	bob := []byte(`{"type":"employee.created","triggeredAt":"2026-11-26T08:59:00","data":{"employeeId":"1"}}{"type":"x"}`)
	if _, err := NewHiBob(HiBobConfig{}).Parse(bob, testNow); !errors.Is(err, ErrPayload) {
		t.Fatalf("hibob Parse with trailing data = %v, want ErrPayload", err)
	}
	bamboo := []byte(`{"type":"employee.created","data":{"employeeId":"1"}} {"type":"employee.deleted"}`)
	if _, err := NewBambooHR(BambooHRConfig{}).Parse(bamboo, testNow); !errors.Is(err, ErrPayload) {
		t.Fatalf("bamboohr Parse with trailing data = %v, want ErrPayload", err)
	}
}
