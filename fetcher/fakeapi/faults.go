package fakeapi

import "net/http"

// A Fault writes one kind of transient failure. seq is the failure's
// sequence number (see Shell.Failure), for faults whose body varies with it.
type Fault func(w http.ResponseWriter, seq int)

// Fail injects a transient failure with probability FailureRate and reports
// whether it wrote one. It takes faults in turn, so that a client meets
// every kind the vendor answers with and proves it retries them all; faults
// must not be empty.
func (s *Shell) Fail(w http.ResponseWriter, faults ...Fault) bool {
	seq := s.Failure()
	if seq == 0 {
		return false
	}
	faults[(seq-1)%len(faults)](w, seq)
	return true
}
