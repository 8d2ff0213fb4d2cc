package localdynamo

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/truora/minidyn/server"
)

// Server is a running in-memory DynamoDB-compatible server.
type Server struct {
	// URL is the endpoint to give the SDK, e.g. http://127.0.0.1:41234.
	URL string
	srv *http.Server
}

// Start serves an empty in-memory store on a free loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: indexFix{server.NewServer()}, ReadHeaderTimeout: 10 * time.Second},
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic("localdynamo: " + err.Error())
		}
	}()
	return s, nil
}

// Close stops the server; its data is gone.
func (s *Server) Close() error { return s.srv.Close() }
