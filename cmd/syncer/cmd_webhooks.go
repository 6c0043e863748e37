package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/syncerhq/syncer/config"
	"github.com/syncerhq/syncer/fetcher"
)

// webhooksRegisterCommand creates, at the vendor, a webhook that sends what
// syncer reads to url, and prints what to put in the configuration.
func webhooksRegisterCommand() command {
	var source, url string
	return command{
		name:     "webhooks register",
		synopsis: "--source NAME --url URL",
		summary:  "create the source's webhook at the vendor and print\nthe secret to configure",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.StringVar(&source, "source", "", "the source (required)")
			fs.StringVar(&url, "url", "", "where the vendor posts: SYNCER_WEBHOOK_ADDR's public URL, ending in /webhooks/<source> (required)")
		},
		check: func() error {
			if source == "" || url == "" {
				return errors.New("--source and --url are required")
			}
			if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
				return fmt.Errorf("--url %q: want an http(s) URL", url)
			}
			return nil
		},
		needs: openMirrorSource,
		run: func(ctx context.Context, e env, a *app) error {
			reg, err := registrar(a, source)
			if err != nil {
				return err
			}
			w, err := reg.RegisterWebhook(ctx, url)
			if err != nil {
				return fmt.Errorf("create the webhook: %w", err)
			}
			printWebhookSecret(e.stdout, a, source, w)
			return nil
		},
	}
}

// webhooksListCommand lists the source's webhooks at the vendor.
func webhooksListCommand() command {
	var source string
	return command{
		name:     "webhooks list",
		synopsis: "--source NAME",
		summary:  "list the source's webhooks at the vendor",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.StringVar(&source, "source", "", "the source (required)")
		},
		check: func() error {
			if source == "" {
				return errors.New("--source is required")
			}
			return nil
		},
		needs: openMirrorSource,
		run: func(ctx context.Context, e env, a *app) error {
			reg, err := registrar(a, source)
			if err != nil {
				return err
			}
			hooks, err := reg.ListWebhooks(ctx)
			if err != nil {
				return fmt.Errorf("list the webhooks: %w", err)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tURL\tSTATUS\tEVENTS")
			for _, w := range hooks {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.ID, w.URL, w.Status, strings.Join(w.Events, ","))
			}
			return tw.Flush()
		},
	}
}

func registrar(a *app, source string) (fetcher.WebhookRegistrar, error) {
	src, ok := a.deps.Sources[source]
	if !ok {
		return nil, usageError{fmt.Errorf("unknown source %q (configured: %s)", source, strings.Join(a.cfg.SourceNames(), ", "))}
	}
	reg, ok := src.(fetcher.WebhookRegistrar)
	if !ok {
		return nil, usageError{fmt.Errorf("source %s: its vendor has no webhooks syncer can register (it is polled)", source)}
	}
	return reg, nil
}

// printWebhookSecret says what to configure for a new webhook. The secret
// goes to stdout once, for the operator; never to the log.
func printWebhookSecret(w io.Writer, a *app, source string, hook *fetcher.WebhookInfo) {
	fmt.Fprintf(w, "created webhook %s -> %s (%s), events %s\n", hook.ID, hook.URL, hook.Status, strings.Join(hook.Events, ","))
	// The source the environment enables (named as its kind) takes the
	// kind's variable; the others, their key in the configuration file.
	env := ""
	if s, ok := a.cfg.SourceNamed(source); ok && s.Name == s.Kind {
		if k, ok := kindNamed(s.Kind); ok {
			if setting, ok := k.Setting("webhook_secret"); ok {
				env = setting.Env
			}
		}
	}
	switch {
	case hook.Secret == "":
		fmt.Fprintln(w, "the vendor returned no secret: if it signs deliveries, copy the webhook's secret from its settings into webhook_secret; if it does not (Chatwoot before 4.12), set webhook_unsigned: true")
	case env != "":
		fmt.Fprintf(w, "put this in the daemon's environment, then restart it:\n  %s=%s\n", env, hook.Secret)
	default:
		fmt.Fprintf(w, "put this in source %s of the configuration file, then restart the daemon:\n  webhook_secret: %s\n", source, hook.Secret)
	}
}
