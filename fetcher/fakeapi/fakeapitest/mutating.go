package fakeapitest

// ReadWhileMutating calls read three times in the test's goroutine while
// mutate(i), for i from 0 to mutations-1, changes the workspace in another,
// and returns once both are done. Under the race detector it proves that a
// fake's handlers read their workspace only under its lock, and that a walk
// through the API ends while the data moves.
func ReadWhileMutating(mutations int, mutate func(i int), read func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range mutations {
			mutate(i)
		}
	}()
	for range 3 {
		read()
	}
	<-done
}
