package devrevtest

import "time"

// Metric stages and statuses as the real API reports them: the stage is where
// the metric is now, the status whether it was ever missed.
const (
	stageRunning   = "running"
	stageWarning   = "warning"
	stageBreached  = "breached"
	stagePaused    = "paused"
	stageCompleted = "completed"

	statusInProgress = "in_progress"
	statusCompleted  = "completed"
	statusMissed     = "missed"
)

// slaSummary is the derived archetype-sla-summary of a tracker.
type slaSummary struct {
	stage   string
	target  time.Time // zero when no metric is running
	closest string    // metric closest to breach; "" when all completed
}

// summary picks the in-policy metric closest to breach, as the spec describes:
// running metrics (running, warning, breached) first, by earliest target; a
// paused metric only when none is running.
func (t *slaTracker) summary() slaSummary {
	var best *metric
	for _, m := range t.metrics {
		if !m.inPolicy {
			continue
		}
		switch m.stage {
		case stageRunning, stageWarning, stageBreached:
			if best == nil || m.target.Before(best.target) {
				best = m
			}
		}
	}
	if best != nil {
		return slaSummary{stage: best.stage, target: best.target, closest: best.def.name}
	}
	for _, m := range t.metrics {
		if m.inPolicy && m.stage == stagePaused {
			return slaSummary{stage: stagePaused, closest: m.def.name}
		}
	}
	return slaSummary{stage: stageCompleted}
}

// status is the tracker-level status: missed if any in-policy metric was.
func (t *slaTracker) status() string {
	done := true
	for _, m := range t.metrics {
		if !m.inPolicy {
			continue
		}
		if m.status == statusMissed {
			return statusMissed
		}
		if m.stage != stageCompleted {
			done = false
		}
	}
	if done {
		return statusCompleted
	}
	return statusInProgress
}

// complete closes every open metric at `at`, as resolving a conversation does.
func (t *slaTracker) complete(at time.Time) {
	for _, m := range t.metrics {
		if m.stage == stageCompleted {
			continue
		}
		m.complete(at, t.conv.created, t.prec)
	}
	t.modified = t.prec.trunc(at)
}

func (m *metric) complete(at, since time.Time, p precision) {
	m.completedAt = p.trunc(at)
	m.completedIn = int(at.Sub(since) / time.Minute)
	m.stage = stageCompleted
	m.status = statusCompleted
	if m.completedAt.After(m.target) {
		m.status = statusMissed
		if m.breached.IsZero() {
			m.breached = m.target
		}
	}
}

// settle sets the stage of an open metric as seen at `now`.
func (m *metric) settle(now time.Time, paused bool) {
	m.status = statusInProgress
	switch {
	case !m.target.After(now):
		m.stage, m.status, m.breached = stageBreached, statusMissed, m.target
	case paused:
		m.stage = stagePaused
	case !m.warning.After(now):
		m.stage = stageWarning
	default:
		m.stage = stageRunning
	}
}
