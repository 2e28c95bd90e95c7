package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	ob "github.com/openbell/openbell"
)

// MaxBodyBytes is the largest request body read (API.md: 1 MiB, then 413).
const MaxBodyBytes = 1 << 20

// decode reads a JSON object body into dst. A body that says "no
// parameters" (noParameters) decodes as {}, so that missing required fields
// are reported field by field (422).
func decode(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(body, dst)
}

// decodeNone checks the body of a route that takes no fields: no
// parameters or any JSON object (its fields ignored); anything else is a 400,
// as on every route.
func decodeNone(r *http.Request) error {
	return decode(r, &struct{}{})
}

// readBody reads the request body up to MaxBodyBytes and checks that a body
// sent with a Content-Type says JSON.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, ob.Errorf(ob.ETOOLARGE, msgTooLarge)
	} else if err != nil {
		return nil, ob.Errorf(ob.EBADREQUEST, "could not read request body")
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
			return nil, ob.Errorf(ob.EUNSUPPORTED, msgUnsupported)
		}
	}
	return body, nil
}

// jsonSpace is the whitespace JSON allows around a value.
const jsonSpace = " \t\r\n"

// noParameters reports whether a body stands for no parameters at all
// (API.md section 1): empty, only whitespace, the JSON null or the JSON
// string "". HTTP clients send these for an empty payload: axios sends ""
// for the empty string of Callbell's published Node example.
func noParameters(body []byte) bool {
	switch string(bytes.Trim(body, jsonSpace)) {
	case "", "null", `""`:
		return true
	}
	return false
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// decodeJSON decodes one JSON object, or no parameters at all
// (noParameters); anything else (malformed JSON, another JSON type, trailing
// data, a field of the wrong type) is a 400.
func decodeJSON(body []byte, dst any) error {
	body = bytes.Trim(body, jsonSpace)
	if noParameters(body) {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return ob.Errorf(ob.EBADREQUEST, "request body must be a JSON object")
	}
	if !utf8.Valid(body) {
		return ob.Errorf(ob.EBADREQUEST, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(dst)
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return ob.BadField(fieldName(typeErr.Field), "must be "+jsonTypeName(typeErr.Type.String()))
	case err != nil:
		return ob.Errorf(ob.EBADREQUEST, msgNotJSON)
	}
	if dec.More() {
		return ob.Errorf(ob.EBADREQUEST, msgNotJSON)
	}
	var rest json.RawMessage
	if err := dec.Decode(&rest); err != io.EOF {
		return ob.Errorf(ob.EBADREQUEST, msgNotJSON)
	}
	if field, problem := badText(body); problem != "" {
		return ob.BadField(field, problem)
	}
	return nil
}

// badText finds the first string of a JSON object, key or value at any
// depth, that holds a NUL character or an unpaired surrogate escape, and
// returns the top-level field it stands in (the key itself, as written,
// when the key is the bad string) and the problem (API.md section 1,
// "Strings"). encoding/json decodes the first as it is, which PostgreSQL
// refuses to store and SQLite stores, and the second as U+FFFD without a
// word, so the escapes are read here, in the raw body, before anything is
// stored. body must be one valid JSON object; raw NULs and invalid UTF-8
// never get here (they are not JSON, or not UTF-8).
func badText(body []byte) (field, problem string) {
	if !bytes.Contains(body, []byte(`\u`)) {
		return "", "" // both come only as \u escapes
	}
	depth := 0
	expectKey := false // the next string at depth 1 is a key
	var key []byte     // the raw text of the current top-level key
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{', '[':
			depth++
			expectKey = depth == 1
		case '}', ']':
			depth--
		case ',':
			expectKey = depth == 1
		case '"':
			end, problem := scanString(body, i)
			isKey := depth == 1 && expectKey
			if isKey {
				key, expectKey = body[i+1:end], false
			}
			if problem != "" {
				if isKey {
					return string(key), problem
				}
				return keyName(key), problem
			}
			i = end
		}
	}
	return "", ""
}

// scanString reads the JSON string that starts at body[start] (its opening
// quote) and returns the index of its closing quote and the problem of its
// first NUL or unpaired surrogate escape, if it has one.
func scanString(body []byte, start int) (end int, problem string) {
	report := func(p string) {
		if problem == "" {
			problem = p
		}
	}
	for i := start + 1; i < len(body); i++ {
		switch body[i] {
		case '"':
			return i, problem
		case '\\':
			if body[i+1] != 'u' {
				i++ // a one-character escape
				continue
			}
			switch r := hex4(body[i+2:]); {
			case r == 0:
				report(ob.MsgNUL)
			case r >= 0xD800 && r <= 0xDBFF:
				// A high surrogate must be followed by a low one.
				if i+11 < len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
					if low := hex4(body[i+8:]); low >= 0xDC00 && low <= 0xDFFF {
						i += 6
						break
					}
				}
				report(ob.MsgSurrogate)
			case r >= 0xDC00 && r <= 0xDFFF:
				report(ob.MsgSurrogate)
			}
			i += 5
		}
	}
	return len(body), problem // not reached: body is valid JSON
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// keyName is the name of a top-level field from the raw text of its key.
func keyName(raw []byte) string {
	var name string
	if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &name) != nil {
		return string(raw)
	}
	return name
}

// canonicalJSON spells a decoded body as one JSON value, so that bodies that
// are the same JSON value compare equal (API.md: an Idempotency-Key retry
// with its keys in another order or other whitespace is the same request):
// object keys sorted, no whitespace, strings re-escaped one way, numbers as
// written. No parameters (noParameters) spell as {}.
func canonicalJSON(body []byte) []byte {
	if noParameters(body) {
		return []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body // not reached: the body was decoded already
	}
	b, err := json.Marshal(v) // sorts the keys of every object
	if err != nil {
		return body
	}
	return b
}

// fieldName reduces a decoder field path to the request field it belongs
// to: "ContactFields.tags" (a field of an embedded struct, whose Go name
// leads) is "tags", "content.url" is "content".
func fieldName(path string) string {
	parts := strings.Split(path, ".")
	for len(parts) > 1 && parts[0] != "" && parts[0][0] >= 'A' && parts[0][0] <= 'Z' {
		parts = parts[1:]
	}
	return parts[0]
}

// jsonTypeName names the JSON type a Go type is decoded from.
func jsonTypeName(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "uint"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "struct"):
		return "an object"
	}
	return "of another type"
}

// checkURLText applies the contract's string rules to the URL of a request
// (API.md section 1, "Strings"), for every route in one place: a path that
// holds a NUL or is not UTF-8 names nothing, so it is not found (the 404 of
// the object its route names, as for an unknown id); a query key or value
// that holds a NUL or is not UTF-8 is a 400 naming the parameter.
func checkURLText(r *http.Request) error {
	if ob.TextProblem(r.URL.Path) != "" {
		return pathNotFound(r.URL.Path)
	}
	values := r.URL.Query()
	for _, key := range slices.Sorted(maps.Keys(values)) {
		if problem := ob.TextProblem(key); problem != "" {
			return ob.BadField(url.QueryEscape(key), problem)
		}
		for _, v := range values[key] {
			if problem := ob.TextProblem(v); problem != "" {
				return ob.BadField(key, problem)
			}
		}
	}
	return nil
}

// pathObjects names the object that the ids in the paths of each collection
// stand for.
var pathObjects = map[string]string{
	"contacts": "contact", "messages": "message", "channels": "channel", "teams": "team", "users": "user",
	"custom_statuses": "custom status", "custom_status": "custom status", "templates": "template",
}

// pathNotFound is the 404 of a path whose ids name nothing: that of its
// collection's object ("contact not found"), else the plain one.
func pathNotFound(path string) error {
	rest, ok := strings.CutPrefix(path, "/v1/")
	if !ok {
		rest, _ = strings.CutPrefix(path, "/sandbox/v1/")
	}
	collection, _, _ := strings.Cut(rest, "/")
	if object, ok := pathObjects[collection]; ok {
		return ob.NotFound(object)
	}
	return ob.Errorf(ob.ENOTFOUND, "%s", errorMessage(http.StatusNotFound))
}

// queryPage parses `page` (default 1; below 1 or not a number is a 400).
func queryPage(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("page")
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, ob.BadField("page", "must be a whole number of 1 or more")
	}
	return n, nil
}

// queryBool parses an optional true/false parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	switch raw := r.URL.Query().Get(name); strings.ToLower(raw) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, ob.BadField(name, "must be true or false")
}

// queryFilterBool parses an optional true/false filter: nil when absent.
func queryFilterBool(r *http.Request, name string) (*bool, error) {
	if r.URL.Query().Get(name) == "" {
		return nil, nil
	}
	b, err := queryBool(r, name)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// meta is the pagination object of every list response.
type meta struct {
	Page  int `json:"page"`
	Pages int `json:"pages"`
}
