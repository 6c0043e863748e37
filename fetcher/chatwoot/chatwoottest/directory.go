package chatwoottest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// The account's directory: inboxes, agents, teams, the bot, SLA policies and
// contacts. Inboxes, agents, teams, the bot and policies never change after
// NewWorkspace; contacts are added but never edited, except for their
// last_activity_at.

type inbox struct {
	id          int
	name        string
	channelType string
	identifier  string // the public API's inbox_identifier (API channel only)
}

// Inbox ids: every workspace has these four.
const (
	inboxWebsite  = 1
	inboxEmail    = 2
	inboxAPI      = 3
	inboxWhatsApp = 4
)

type agent struct {
	id                 int
	name, email, role  string // role: agent or administrator
	availability       string // online, busy, offline
	confirmed, autoOff bool
	sender             *wireUserSender // the message sender object, prebuilt
}

type team struct {
	id                int
	name, description string
}

type agentBot struct {
	id     int
	name   string
	sender *wireBotSender
}

type contact struct {
	id                         int
	name, email, phone, ident  string // "" = null
	inbox                      *inbox // the inbox the contact writes through
	sourceID                   string // contact_inbox source_id: the public contact_identifier
	created, lastActivity      time.Time
	city, country, countryCode string
	company, plan              string
	blocked                    bool
	additional, custom         json.RawMessage
	sender                     *wireContactSender // prebuilt; never changes
}

// listed reports whether GET /contacts lists the contact: Chatwoot lists only
// "resolved" contacts, those with an email, a phone number or an identifier.
// Anonymous website visitors appear only as conversation senders.
func (ct *contact) listed() bool {
	return ct.email != "" || ct.phone != "" || ct.ident != ""
}

func (w *Workspace) addDirectory() {
	w.inboxes = []*inbox{
		{id: inboxWebsite, name: "Website", channelType: "Channel::WebWidget"},
		{id: inboxEmail, name: "Support email", channelType: "Channel::Email"},
		{id: inboxAPI, name: "Mobile app (API)", channelType: "Channel::Api", identifier: tokenFor(uint64(w.accountID), "inbox", 24)},
		{id: inboxWhatsApp, name: "WhatsApp", channelType: "Channel::Whatsapp"},
	}
	v := w.vocab
	for i := range 10 {
		first, last := v.FirstNames[i*7%len(v.FirstNames)], v.LastNames[i*11%len(v.LastNames)]
		a := &agent{
			id:           i + 1,
			name:         first + " " + last,
			email:        fakeapi.EmailLocal(first, last) + "@helpdesk.example.com",
			role:         "agent",
			availability: [...]string{"online", "busy", "offline"}[i%3],
			confirmed:    true,
			autoOff:      i%4 != 1,
		}
		if i < 2 {
			a.role = "administrator"
		}
		w.agents = append(w.agents, a)
	}
	// An invited agent who never confirmed their email still shows up.
	w.agents[len(w.agents)-1].confirmed = false
	w.agents[len(w.agents)-1].availability = "offline"
	for _, a := range w.agents {
		a.sender = &wireUserSender{
			ID: a.id, Name: a.name, AvailableName: a.name, AvatarURL: "", Type: senderUser,
			AvailabilityStatus: a.availability, Thumbnail: "",
		}
	}
	w.teams = []*team{
		{id: 1, name: "support", description: "First-line support"},
		{id: 2, name: "billing", description: "Invoices, refunds and plans"},
		{id: 3, name: "engineering", description: "Escalations"},
	}
	w.bot = &agentBot{id: 1, name: "Ava (bot)"}
	w.bot.sender = &wireBotSender{ID: 1, Name: w.bot.name, AvatarURL: "", Type: senderAgentBot}
	w.policies = []*slaPolicy{
		{id: 1, name: "Enterprise", description: "Enterprise plan: 30 min first response", frt: 1800, nrt: 3600, rt: 86400},
		{id: 2, name: "Business hours", description: "4 h first response during business hours", frt: 14400, nrt: 28800, rt: 259200, businessHours: true},
		{id: 3, name: "Resolution only", description: "", rt: 604800},
	}
}

// newContact adds a contact writing through in. anonymous makes a website
// visitor with a generated name and no email, phone or identifier.
func (w *Workspace) newContact(name string, in *inbox, created time.Time, anonymous bool) *contact {
	w.lastContact++
	n := w.lastContact
	h := fakeapi.Mix(uint64(n) ^ 0xc0)
	ct := &contact{
		id:       n,
		name:     name,
		inbox:    in,
		sourceID: uuidFor(uint64(w.accountID)<<40 ^ uint64(n)<<8 ^ 0x5c),
		created:  created.UTC().Truncate(time.Second),
	}
	ct.lastActivity = ct.created
	v := w.vocab
	loc := v.locations[h%uint64(len(v.locations))]
	ct.city, ct.country, ct.countryCode = loc.city, loc.country, loc.code
	ct.company = v.Companies[(h>>8)%uint64(len(v.Companies))]
	ct.plan = [...]string{"free", "pro", "enterprise"}[(h>>16)%3]
	ct.blocked = n%97 == 13
	ct.additional = marshalRaw(map[string]any{
		"city": ct.city, "country": ct.country, "country_code": strPtr(ct.countryCode),
		"company_name": ct.company, "created_at_ip": fmt.Sprintf("203.0.113.%d", h%250+1),
	})
	ct.custom = rawEmptyObject
	if h%4 == 1 {
		ct.custom = marshalRaw(map[string]any{"plan": ct.plan, "signed_up_at": ct.created.Format("02/01/2006")})
	}
	if !anonymous {
		first, last, _ := strings.Cut(name, " ")
		local := fakeapi.EmailLocal(first, last)
		if local == "" {
			local = "contact"
		}
		switch in.id {
		case inboxWhatsApp:
			ct.phone = fmt.Sprintf("+%d%09d", [...]int{1, 44, 49, 33, 81, 55}[h%6], h%1_000_000_000)
		case inboxAPI:
			ct.ident = "user_" + strconv.Itoa(n)
			if h%3 != 0 {
				ct.email = local + "." + strconv.Itoa(n) + "@" + v.domains[(h>>24)%uint64(len(v.domains))]
			}
		default:
			ct.email = local + "." + strconv.Itoa(n) + "@" + v.domains[(h>>24)%uint64(len(v.domains))]
			if h%5 == 0 {
				ct.phone = fmt.Sprintf("+1%010d", h%10_000_000_000)
			}
		}
	}
	ct.sender = &wireContactSender{
		wireContactFields: wireContactFields{
			AdditionalAttributes: ct.additional, CustomAttributes: ct.custom,
			Email: strPtr(ct.email), ID: ct.id, Identifier: strPtr(ct.ident), Name: ct.name,
			PhoneNumber: strPtr(ct.phone), Thumbnail: "",
		},
		Blocked: ct.blocked, Type: senderContact,
	}
	w.contacts = append(w.contacts, ct)
	w.contactBy[ct.id] = ct
	return ct
}

// contactByName finds a contact by exact name (the newest one), or nil.
func (w *Workspace) contactByName(name string) *contact {
	for i := len(w.contacts) - 1; i >= 0; i-- {
		if w.contacts[i].name == name {
			return w.contacts[i]
		}
	}
	return nil
}

// uuidFor derives a stable version-4-looking UUID from x.
func uuidFor(x uint64) string {
	a, b := fakeapi.Mix(x), fakeapi.Mix(x^0xabcdef)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// tokenFor derives a stable alphanumeric token of n characters.
func tokenFor(seed uint64, salt string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	h := fakeapi.Hash(seed, salt)
	b := make([]byte, n)
	for i := range b {
		h = fakeapi.Mix(h)
		b[i] = alphabet[h%uint64(len(alphabet))]
	}
	return string(b)
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
