package attack

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Body is 40 KiB of letters that appear in no message imagepin writes
// itself, so any 4 of them in a row in a message came from the body.
func Body() string {
	rng := rand.New(rand.NewPCG(3, 5))
	b := make([]byte, 40<<10)
	for i := range b {
		b[i] = "QWXZJKVY"[rng.IntN(8)]
	}
	return string(b)
}

// Leak returns 4 bytes in a row of body found in s, or "".
func Leak(s, body string) string {
	for i := 0; i+4 <= len(body); i++ {
		if strings.Contains(s, body[i:i+4]) {
			return body[i : i+4]
		}
	}
	return ""
}

// ErrorRegistry starts a registry on 127.0.0.1 that answers the /v2/ ping,
// 405 to manifest HEADs (so that GET, which has a body, follows) and code
// with Body in the distribution API's JSON errors to everything else. It
// returns its host and the body.
func ErrorRegistry(t testing.TB, code int) (string, string) {
	t.Helper()
	body := Body()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
		case r.Method == http.MethodHead:
			w.WriteHeader(http.StatusMethodNotAllowed)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_, _ = fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":%q}]}`, body)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), body
}
