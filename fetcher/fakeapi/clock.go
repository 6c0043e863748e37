package fakeapi

import "time"

// Clock is a fake workspace's simulated time. It starts where the workspace
// starts, and every mutation advances it (Tick) by a second and a fraction
// that changes from tick to tick, so that modification times strictly
// increase and exercise every fractional digit the wire carries. It has no
// lock of its own: the workspace's lock guards it with the rest of the data.
type Clock struct {
	now    time.Time
	ticks  int
	unit   time.Duration
	stride int
}

// NewClock returns a clock at start (in UTC, truncated to unit). unit is the
// finest digit the vendor's timestamps carry; the n-th tick adds a second and
// n×stride units modulo a second, so a stride coprime with the number of
// units in a second visits every fraction.
func NewClock(start time.Time, unit time.Duration, stride int) Clock {
	return Clock{now: start.UTC().Truncate(unit), unit: unit, stride: stride}
}

// Now is the time of the latest tick, or the start.
func (c *Clock) Now() time.Time { return c.now }

// Tick advances the clock for one mutation and returns the new time.
func (c *Clock) Tick() time.Time {
	c.ticks++
	perSecond := int(time.Second / c.unit)
	c.now = c.now.Add(time.Second + time.Duration(c.ticks*c.stride%perSecond)*c.unit)
	return c.now
}

// Skip lets d pass with no mutation, as idle time does.
func (c *Clock) Skip(d time.Duration) { c.now = c.now.Add(d).Truncate(c.unit) }
