package httpapi

import (
	"net/http"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/inbox"
	"github.com/openbell/openbell/internal/sandbox"
)

func (s *Server) inbound(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.InboundMessage
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.svc.Inbound(r.Context(), p.AccountID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) forceStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.ForcedStatus
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := s.svc.ForceStatus(r.Context(), p.AccountID, r.PathValue("uuid"), in)
	if err != nil {
		return err
	}
	writeSendRequest(w, v)
	return nil
}

func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in struct {
		AdvanceSeconds ob.Opt[int64] `json:"advance_seconds"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.svc.AdvanceClock(r.Context(), p.AccountID, in.AdvanceSeconds)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) getClock(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	res, err := s.svc.Clock(r.Context(), p.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) addFault(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in sandbox.FaultInput
	if err := decode(r, &in); err != nil {
		return err
	}
	f, err := s.faults.Add(p.AccountID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]sandbox.Fault{"fault": f})
	return nil
}

func (s *Server) listFaults(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	writeJSON(w, http.StatusOK, map[string][]sandbox.Fault{"faults": s.faults.List(p.AccountID)})
	return nil
}

func (s *Server) clearFaults(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	s.faults.Clear(p.AccountID)
	writeJSON(w, http.StatusOK, map[string]string{"status": "faults were cleared"})
	return nil
}

// resetAccount empties the account and loads the fixtures it came from
// again; its fault rules, kept in this process's memory, go once that has
// committed.
func (s *Server) resetAccount(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	if err := s.svc.ResetAccount(r.Context(), p.AccountID); err != nil {
		return err
	}
	s.faults.Clear(p.AccountID)
	writeJSON(w, http.StatusOK, map[string]string{"status": "account was reset"})
	return nil
}

// injectFault applies the account's fault rules to an API request: it waits
// the rule's delay and, when the rule has a status, answers with it before
// the handler runs, so the request changes nothing. The answer is the
// server's own error of that status (writeStatusError), Retry-After
// included, so that a client's real error handling is what gets exercised.
// It reports whether the request was answered.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, p *ob.Principal) bool {
	status, delay := s.faults.Match(p.AccountID, r.Method, r.URL.Path)
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if status == 0 {
		return false
	}
	if status == http.StatusTooManyRequests && w.Header().Get("X-RateLimit-Limit") != "" {
		w.Header().Set("X-RateLimit-Remaining", "0") // as on a real 429
	}
	writeStatusError(w, status)
	return true
}

func (s *Server) agentSession(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in struct {
		Action ob.Opt[string] `json:"action"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.svc.AgentSession(r.Context(), p.AccountID, r.PathValue("uuid"), in.Action)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) teamMembership(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in struct {
		UserUUID ob.Opt[string] `json:"user_uuid"`
		Action   ob.Opt[string] `json:"action"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	res, changed, err := s.svc.ChangeTeamMembership(r.Context(), p.AccountID, r.PathValue("uuid"), in.UserUUID, in.Action)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		inbox.TeamMembershipPayload
		Changed bool `json:"changed"`
	}{res, changed})
	return nil
}
