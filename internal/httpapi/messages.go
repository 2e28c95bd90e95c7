package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/inbox"
)

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var in ob.SendMessage
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	var idem inbox.Idempotency
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if len(key) > 255 {
			return ob.BadField("Idempotency-Key", "must be at most 255 characters")
		}
		// HTTP lets a header value hold bytes that are not UTF-8; the key
		// is stored as text.
		if problem := ob.TextProblem(key); problem != "" {
			return ob.BadField("Idempotency-Key", problem)
		}
		sum := sha256.Sum256(canonicalJSON(body))
		idem = inbox.Idempotency{Key: key, BodyHash: hex.EncodeToString(sum[:])}
	}
	answer, err := s.svc.SendMessage(r.Context(), p.AccountID, in, idem)
	if err != nil {
		return err
	}
	writeRawJSON(w, http.StatusOK, answer)
	return nil
}

func (s *Server) messageStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	v, err := s.svc.MessageStatus(r.Context(), p.AccountID, r.PathValue("uuid"))
	if err != nil {
		return err
	}
	writeSendRequest(w, v)
	return nil
}

// writeSendRequest answers {message: MessageSendRequest}.
func writeSendRequest(w http.ResponseWriter, v ob.SendRequestView) {
	writeJSON(w, http.StatusOK, struct {
		Message ob.SendRequestView `json:"message"`
	}{v})
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	if err := s.svc.DeleteMessage(r.Context(), p.AccountID, r.PathValue("uuid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteMessageNamedInBody is DELETE /v1/messages with {"uuid": ...}, the
// form every published example uses: the same as DELETE /v1/messages/{uuid}.
func (s *Server) deleteMessageNamedInBody(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in struct {
		UUID ob.Opt[string] `json:"uuid"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	uuid, _ := in.UUID.Value()
	if strings.TrimSpace(uuid) == "" {
		return ob.Invalid("uuid", "can't be blank")
	}
	if err := s.svc.DeleteMessage(r.Context(), p.AccountID, uuid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
