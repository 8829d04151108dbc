package graphemu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// mailMessage is one message accepted by sendMail, as GET /_emulator/mail shows it.
type mailMessage struct {
	ID              string            `json:"id"`
	Sender          string            `json:"sender"`
	Subject         string            `json:"subject"`
	ContentType     string            `json:"contentType"`
	Body            string            `json:"body"`
	To              []string          `json:"to"`
	Cc              []string          `json:"cc"`
	Bcc             []string          `json:"bcc"`
	Headers         map[string]string `json:"headers,omitempty"`
	SaveToSentItems bool              `json:"saveToSentItems"`
	SentAt          time.Time         `json:"sentAt"`
}

// recipient is a Graph recipient.
type recipient struct {
	EmailAddress struct {
		Address string `json:"address"`
		Name    string `json:"name"`
	} `json:"emailAddress"`
}

// sendMailBody is the body of POST /users/{user}/sendMail.
type sendMailBody struct {
	Message *struct {
		Subject string `json:"subject"`
		Body    *struct {
			ContentType string `json:"contentType"`
			Content     string `json:"content"`
		} `json:"body"`
		ToRecipients           []recipient `json:"toRecipients"`
		CcRecipients           []recipient `json:"ccRecipients"`
		BccRecipients          []recipient `json:"bccRecipients"`
		InternetMessageHeaders []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"internetMessageHeaders"`
	} `json:"message"`
	SaveToSentItems json.RawMessage `json:"saveToSentItems"`
}

// addresses returns the recipients' addresses, or the first invalid one.
func addresses(rs []recipient) ([]string, string, bool) {
	out := make([]string, 0, len(rs))
	for _, rc := range rs {
		a := strings.TrimSpace(rc.EmailAddress.Address)
		if !strings.Contains(a, "@") {
			return nil, a, false
		}
		out = append(out, a)
	}
	return out, "", true
}

// parseMail validates a sendMail body and returns the message (without sender, id and time).
func parseMail(w http.ResponseWriter, r *http.Request) (mailMessage, bool) {
	var body sendMailBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeBadPayload(w, r)
		return mailMessage{}, false
	}
	if body.Message == nil {
		writeError(w, r, http.StatusBadRequest, "ErrorInvalidParameter", "The value of the parameter 'Message' is empty.")
		return mailMessage{}, false
	}
	m := body.Message
	msg := mailMessage{Subject: m.Subject, ContentType: "Text", SaveToSentItems: true}
	if m.Body != nil {
		switch strings.ToLower(m.Body.ContentType) {
		case "", "text":
		case "html":
			msg.ContentType = "HTML"
		default:
			writeError(w, r, http.StatusBadRequest, codeBadRequest,
				"Requested value '"+m.Body.ContentType+"' was not found.")
			return mailMessage{}, false
		}
		msg.Body = m.Body.Content
	}
	var bad string
	ok := true
	if msg.To, bad, ok = addresses(m.ToRecipients); ok {
		if msg.Cc, bad, ok = addresses(m.CcRecipients); ok {
			msg.Bcc, bad, ok = addresses(m.BccRecipients)
		}
	}
	if !ok {
		writeError(w, r, http.StatusBadRequest, "ErrorInvalidRecipients",
			"At least one recipient is not valid., Recipient '"+bad+"' is not resolved. All recipients must be resolved before a message can be submitted.")
		return mailMessage{}, false
	}
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		writeError(w, r, http.StatusBadRequest, "ErrorInvalidRecipients", msgNoRecipient)
		return mailMessage{}, false
	}
	for _, h := range m.InternetMessageHeaders {
		if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			writeError(w, r, http.StatusBadRequest, "InvalidInternetMessageHeader",
				"The internet message header name '"+h.Name+"' should start with 'x-' or 'X-'.")
			return mailMessage{}, false
		}
		if msg.Headers == nil {
			msg.Headers = map[string]string{}
		}
		msg.Headers[h.Name] = h.Value
	}
	switch strings.Trim(string(bytes.TrimSpace(body.SaveToSentItems)), `"`) {
	case "", "null", "true":
	case "false":
		msg.SaveToSentItems = false
	default:
		writeError(w, r, http.StatusBadRequest, codeBadRequest,
			"Cannot convert the literal '"+string(body.SaveToSentItems)+"' to the expected type 'Edm.Boolean'.")
		return mailMessage{}, false
	}
	return msg, true
}

// sendMail serves POST /users/{user}/sendMail.
func (e *Emulator) sendMail(w http.ResponseWriter, r *http.Request, p []string) {
	e.mu.Lock()
	u := e.st.findUser(p[0])
	sender := ""
	if u != nil {
		sender = u.mail
	}
	e.mu.Unlock()
	if u == nil {
		writeNotFound(w, r, p[0])
		return
	}
	if sender == "" {
		writeError(w, r, http.StatusNotFound, "MailboxNotEnabledForRESTAPI", msgNoMailbox)
		return
	}
	msg, ok := parseMail(w, r)
	if !ok {
		return
	}
	msg.ID = newGUID()
	msg.Sender = sender
	msg.SentAt = e.now().UTC()
	e.mu.Lock()
	e.st.recordMail(msg)
	e.mu.Unlock()
	writeNoContent(w, http.StatusAccepted)
}

// getMail serves GET /_emulator/mail.
func (e *Emulator) getMail(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	out := append([]mailMessage{}, e.st.mail...)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// deleteMail serves DELETE /_emulator/mail; the outbox keeps its entries (DELETE /_emulator/outbox).
func (e *Emulator) deleteMail(w http.ResponseWriter, _ *http.Request, _ []string) {
	e.mu.Lock()
	e.st.mail = nil
	e.mu.Unlock()
	writeNoContent(w, http.StatusNoContent)
}
