package chatwoot

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/syncerhq/syncer/fetcher"
)

// Chatwoot's own settings: the account to mirror, or, for the public client
// API, one contact's inbox and contact identifiers.
const (
	accountKey = "account_id"
	inboxKey   = "inbox_identifier"
	contactKey = "contact_identifier"
	// The account webhook's secret, and whether to accept the unsigned
	// deliveries of Chatwoot versions before 4.12.
	webhookSecretKey   = "webhook_secret"
	webhookUnsignedKey = "webhook_unsigned"
)

func settings() []fetcher.Setting {
	return []fetcher.Setting{
		{Key: accountKey, Env: "CHATWOOT_ACCOUNT_ID"},
		{Key: inboxKey, Env: "CHATWOOT_INBOX_IDENTIFIER"},
		{Key: contactKey, Env: "CHATWOOT_CONTACT_IDENTIFIER"},
		{Key: webhookSecretKey, Env: "CHATWOOT_WEBHOOK_SECRET"},
		{Key: webhookUnsignedKey, Env: "CHATWOOT_WEBHOOK_UNSIGNED"},
	}
}

// Kind is Chatwoot as syncer's configuration and commands know it. It has
// no default URL (it is self-hosted as often as not), and the public client
// API needs no token.
func Kind() fetcher.Kind {
	return fetcher.Kind{
		Name:      "chatwoot",
		TokenEnv:  "CHATWOOT_API_TOKEN",
		URLEnv:    "CHATWOOT_API_URL",
		EnabledBy: []string{"CHATWOOT_API_TOKEN", "CHATWOOT_API_URL"},
		Settings:  settings(),
		Check:     check,
		New: func(s fetcher.SourceSettings, deps fetcher.ClientDeps) (fetcher.Source, error) {
			return NewClient(Config{
				BaseURL: s.APIURL, Token: s.Token, AccountID: s.Options[accountKey],
				InboxIdentifier: s.Options[inboxKey], ContactIdentifier: s.Options[contactKey],
				RateLimit: s.RateLimit, HTTP: deps.HTTP,
				WebhookSecret: s.Options[webhookSecretKey], WebhookUnsigned: s.Options[webhookUnsignedKey] == "true",
			})
		},
	}
}

func check(s fetcher.SourceSettings) []error {
	errs := checkWebhook(s)
	inbox, contact := s.Options[inboxKey], s.Options[contactKey]
	if inbox != "" || contact != "" {
		// The public client API needs no token: one contact's view.
		if inbox == "" || contact == "" {
			errs = append(errs, errors.New("the public API needs both inbox_identifier and contact_identifier"))
		}
		return errs
	}
	if account := s.Options[accountKey]; !isNumber(account) {
		errs = append(errs, fmt.Errorf("CHATWOOT_ACCOUNT_ID (%s) must be a number, not %q", accountKey, account))
	}
	if err := fetcher.RequireToken(s); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// checkWebhook checks the webhook settings, whichever API the source reads.
func checkWebhook(s fetcher.SourceSettings) []error {
	switch v := s.Options[webhookUnsignedKey]; {
	case v != "" && v != "true" && v != "false":
		return []error{fmt.Errorf("%s must be true or false, not %q", webhookUnsignedKey, v)}
	case v == "true" && s.Options[webhookSecretKey] != "":
		return []error{fmt.Errorf("%s and %s are both set: with a secret every delivery must be signed (Chatwoot 4.12 and later); remove %s",
			webhookUnsignedKey, webhookSecretKey, webhookUnsignedKey)}
	}
	return nil
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}
