package watch

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/tapflow/tapflow/internal/graph"
	"github.com/tapflow/tapflow/internal/searchattr"
)

// Journeys finds the employee workflows that hold a pass for an Entra user, by the TapflowUserId search
// attribute their pass wrote.
type Journeys struct {
	Client client.Client
	// WorkflowType and TaskQueue are the employee workflow's type name and task queue; only those are searched.
	WorkflowType string
	TaskQueue    string
}

// objectID is an Entra object id: the only values put into a visibility query.
var objectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidUserID says s is an Entra object id (a GUID).
func ValidUserID(s string) bool { return objectID.MatchString(s) }

// batch is how many users one visibility query names.
const batch = 50

// Open returns, for each user, the running employee workflows that hold a pass for them (TapExpiresAt is set
// while a journey holds one). Users that are not object ids are skipped.
func (j *Journeys) Open(ctx context.Context, users []string) (map[string][]string, error) {
	return j.find(ctx, users, `ExecutionStatus = "Running" AND TapExpiresAt IS NOT NULL`)
}

// Running returns, for each user, the running employee workflows that ever held a pass for them.
func (j *Journeys) Running(ctx context.Context, users []string) (map[string][]string, error) {
	return j.find(ctx, users, `ExecutionStatus = "Running"`)
}

// Known returns, for each user, the employee workflows, running or closed, that ever held a pass for them.
func (j *Journeys) Known(ctx context.Context, users []string) (map[string][]string, error) {
	return j.find(ctx, users, `WorkflowId != ""`)
}

func (j *Journeys) find(ctx context.Context, users []string, cond string) (map[string][]string, error) {
	out := map[string][]string{}
	var valid []string
	for _, u := range users {
		if ValidUserID(u) && !containsFold(valid, u) {
			valid = append(valid, strings.ToLower(u))
		}
	}
	for start := 0; start < len(valid); start += batch {
		part := valid[start:min(start+batch, len(valid))]
		q := fmt.Sprintf(`WorkflowType = %q AND TaskQueue = %q AND %s AND %s IN ("%s")`, j.WorkflowType, j.TaskQueue, cond,
			searchattr.UserID.GetName(), strings.Join(part, `", "`))
		var next []byte
		for {
			resp, err := j.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, NextPageToken: next})
			if err != nil {
				return nil, fmt.Errorf("find the journeys of %d users: %w", len(part), err)
			}
			for _, e := range resp.GetExecutions() {
				var user string
				if p := e.GetSearchAttributes().GetIndexedFields()[searchattr.UserID.GetName()]; p != nil {
					user = strings.Trim(string(p.GetData()), `"`)
				}
				if user != "" {
					user = strings.ToLower(user)
					out[user] = append(out[user], e.GetExecution().GetWorkflowId())
				}
			}
			if next = resp.GetNextPageToken(); len(next) == 0 {
				break
			}
		}
	}
	return out, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// The employee workflow's signals the watch sends.
const (
	// SignalRegistered is the registered hint: the journey looks for a strong method at once.
	SignalRegistered = "registered"
	// SignalTAPSignIn carries a sign-in made with a pass (graph.SignIn) to the journey that issued it.
	SignalTAPSignIn = "tap_signin"
)

// Hint tells the workflow that its user registered a method.
func (j *Journeys) Hint(ctx context.Context, workflowID string) error {
	return j.signal(ctx, workflowID, SignalRegistered, nil)
}

// SignIn tells the workflow of a sign-in with a pass.
func (j *Journeys) SignIn(ctx context.Context, workflowID string, s graph.SignIn) error {
	return j.signal(ctx, workflowID, SignalTAPSignIn, s)
}

func (j *Journeys) signal(ctx context.Context, workflowID, name string, arg any) error {
	err := j.Client.SignalWorkflow(ctx, workflowID, "", name, arg)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) { // it closed since the search: nothing to tell
		return nil
	}
	return err
}

// FirstWatch is when the namespace's first tenant watch still on record started (runs the namespace's retention
// keeps, terminated ones included): terminating the watch does not move reconciliation's floor forward.
func (j *Journeys) FirstWatch(ctx context.Context) (time.Time, error) {
	var first time.Time
	var next []byte
	for {
		resp, err := j.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf(`WorkflowId = %q`, WorkflowID), NextPageToken: next})
		if err != nil {
			return time.Time{}, fmt.Errorf("find the tenant watch's first run: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			if at := e.GetStartTime().AsTime(); first.IsZero() || at.Before(first) {
				first = at
			}
		}
		if next = resp.GetNextPageToken(); len(next) == 0 {
			return first, nil
		}
	}
}
