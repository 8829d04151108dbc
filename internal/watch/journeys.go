package watch

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

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
	// WorkflowType is the employee workflow's type name; only those are searched.
	WorkflowType string
}

// objectID is an Entra object id: the only values put into a visibility query.
var objectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidUserID says s is an Entra object id (a GUID).
func ValidUserID(s string) bool { return objectID.MatchString(s) }

// batch is how many users one visibility query names.
const batch = 50

// Open returns, for each user with a running employee workflow whose pass was for them, that workflow's id.
// Users that are not object ids are skipped.
func (j *Journeys) Open(ctx context.Context, users []string) (map[string]string, error) {
	return j.find(ctx, users, `ExecutionStatus = "Running"`)
}

// Closed returns, for each user with a closed employee workflow whose pass was for them, that workflow's id.
func (j *Journeys) Closed(ctx context.Context, users []string) (map[string]string, error) {
	return j.find(ctx, users, `ExecutionStatus != "Running"`)
}

func (j *Journeys) find(ctx context.Context, users []string, status string) (map[string]string, error) {
	out := map[string]string{}
	var valid []string
	for _, u := range users {
		if ValidUserID(u) && !containsFold(valid, u) {
			valid = append(valid, strings.ToLower(u))
		}
	}
	for start := 0; start < len(valid); start += batch {
		part := valid[start:min(start+batch, len(valid))]
		q := fmt.Sprintf(`WorkflowType = %q AND %s AND %s IN ("%s")`, j.WorkflowType, status,
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
					out[strings.ToLower(user)] = e.GetExecution().GetWorkflowId()
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
