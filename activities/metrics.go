package activities

// PassMetrics counts passes issued and revoked (metrics.Metrics is the real one). Labels are codes: the issue
// request's reason (joiner, reissue, ...) and the revoke request's reason, never an id or a name.
type PassMetrics interface {
	PassIssued(journey string)
	PassRevoked(reason string)
}

// NopPassMetrics counts nothing, for tests and tools that do not care.
type NopPassMetrics struct{}

// PassIssued implements PassMetrics.
func (NopPassMetrics) PassIssued(string) {}

// PassRevoked implements PassMetrics.
func (NopPassMetrics) PassRevoked(string) {}

// metrics is the journey's recorder, or one that counts nothing.
func (j *Journey) metrics() PassMetrics {
	if j.Metrics == nil {
		return NopPassMetrics{}
	}
	return j.Metrics
}
