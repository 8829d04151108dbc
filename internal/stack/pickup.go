package stack

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tapflow/tapflow/activities"
	"github.com/tapflow/tapflow/internal/pickup"
	"github.com/tapflow/tapflow/internal/webhook"
)

// pickupSettings fills in what delivery by pickup link needs: the page's public origin (the dev stack's webhook
// listener when none is set), and, with the emulator, a signed-webhook channel to the emulator's outbox, so a
// code for the hire's phone shows there as an SMS gateway would receive it.
func (s *Stack) pickupSettings(js *activities.JoinerSettings, c *JourneyConfig) error {
	if js.Channel != activities.ChannelPickup {
		return nil
	}
	switch {
	case c.PickupKey != "":
		k, err := pickup.ParseKey(c.PickupKey)
		if err != nil {
			return err
		}
		js.PickupKey = k
	case s.hookL != nil: // the dev stack's page runs in this process: a key of its own will do
		js.PickupKey = pickup.NewKey()
	default:
		return fmt.Errorf("pickup delivery needs TAPFLOW_PICKUP_KEY (openssl rand -base64 32), the same for starter serve " +
			"--pickup: it signs the links and binds the codes to them")
	}
	s.pickupKey = js.PickupKey
	if js.PublicURL == "" {
		if s.hookL == nil {
			return fmt.Errorf("pickup delivery needs the page's public origin: set TAPFLOW_PUBLIC_URL " +
				"to where starter serve --pickup is reached (https://...)")
		}
		js.PublicURL = "http://" + s.hookL.Addr().String()
	}
	if s.mode != GraphEmulator || c.WebhookURL != "" {
		return nil
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, s.emuURL+"/_emulator/webhook",
		strings.NewReader(`{"secret":"`+secret+`"}`))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("give the emulator's outbox the code webhook's secret: %w", err)
	}
	resp.Body.Close()
	c.WebhookURL, c.WebhookSecret = s.emuURL+"/_emulator/webhook", secret
	return nil
}
