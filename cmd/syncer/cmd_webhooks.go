package main

import (
	"context"
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
	var url string
	return webhooksCommand(command{
		name:     "webhooks register",
		synopsis: "--source NAME --url URL",
		summary:  "create the source's webhook at the vendor and print\nthe secret to configure",
		flags: func(fs *flag.FlagSet, _ *config.Flags) {
			fs.StringVar(&url, "url", "", "where the vendor posts: SYNCER_WEBHOOK_ADDR's public URL, ending in /webhooks/<source> (required)")
		},
		required: []string{"url"},
		check: func() error {
			if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
				return fmt.Errorf("--url %q: want an http(s) URL", url)
			}
			return nil
		},
	}, func(ctx context.Context, e env, a *app, source string, reg fetcher.WebhookRegistrar) error {
		w, err := reg.RegisterWebhook(ctx, url)
		if err != nil {
			return fmt.Errorf("create the webhook: %w", err)
		}
		printWebhookSecret(e.stdout, a, source, w)
		return nil
	})
}

// webhooksListCommand lists the source's webhooks at the vendor.
func webhooksListCommand() command {
	return webhooksCommand(command{
		name:     "webhooks list",
		synopsis: "--source NAME",
		summary:  "list the source's webhooks at the vendor",
	}, func(ctx context.Context, e env, _ *app, _ string, reg fetcher.WebhookRegistrar) error {
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
	})
}

// webhooksCommand completes c, a command on one source's webhooks at its
// vendor: every such command takes --source, and runs with the source's
// registrar.
func webhooksCommand(c command, run func(ctx context.Context, e env, a *app, source string, reg fetcher.WebhookRegistrar) error) command {
	var source string
	c = c.withFlags(func(fs *flag.FlagSet, _ *config.Flags) {
		fs.StringVar(&source, "source", "", "the source (required)")
	})
	c.required = append([]string{"source"}, c.required...)
	c.needs = openMirrorSource
	c.run = func(ctx context.Context, e env, a *app) error {
		reg, err := registrar(a, source)
		if err != nil {
			return err
		}
		return run(ctx, e, a, source, reg)
	}
	return c
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
