package devrevtest

import (
	"strconv"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// user is both the stored user and its wire summary (user-summary in the
// spec): users never change after creation, so handlers can share the pointer
// across goroutines and marshal it directly. Unset fields are omitted, never
// null, as in the real API.
type user struct {
	Type        string      `json:"type"`
	ID          string      `json:"id"`
	DisplayID   string      `json:"display_id,omitempty"`
	DisplayName string      `json:"display_name,omitempty"`
	Email       string      `json:"email,omitempty"`
	FullName    string      `json:"full_name,omitempty"`
	State       string      `json:"state,omitempty"`
	ExternalRef string      `json:"external_ref,omitempty"`
	RevOrg      *orgSummary `json:"rev_org,omitempty"`
}

type orgSummary struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	DisplayID   string `json:"display_id,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
}

const (
	typeDevUser        = "dev_user"
	typeRevUser        = "rev_user"
	typeSysUser        = "sys_user"
	typeServiceAccount = "service_account"
)

// addBaseUsers creates the pool every workspace starts with, so that the
// mutation methods always have agents and customers to attribute things to.
func (w *Workspace) addBaseUsers() {
	v := w.vocab
	for i := range 12 {
		first, last := v.FirstNames[i*7%len(v.FirstNames)], v.LastNames[i*11%len(v.LastNames)]
		n := i + 1
		w.addUser(&w.dev, &user{
			Type:        typeDevUser,
			ID:          identityDON + "devu/" + strconv.Itoa(n),
			DisplayID:   "DEVU-" + strconv.Itoa(n),
			DisplayName: fakeapi.Fold(first),
			FullName:    first + " " + last,
			Email:       fakeapi.EmailLocal(first, last) + "@helpdesk.example.com",
			State:       "active",
		})
	}
	// One agent left the company: real workspaces keep deactivated users in
	// old conversations.
	w.dev[len(w.dev)-1].State = "deactivated"

	w.addUser(&w.sys, &user{
		Type: typeSysUser, ID: identityDON + "sysu/1", DisplayID: "SYSU-1",
		DisplayName: "devrev-bot", FullName: "DevRev Bot", State: "active",
	})
	w.addUser(&w.svc, &user{
		Type: typeServiceAccount, ID: identityDON + "svcacc/1", DisplayID: "SVCACC-1",
		DisplayName: "syncer-api", FullName: "Syncer API", State: "active",
	})
	w.addRevUsers(24)
}

// addRevUsers grows the customer pool to n users. Customers are the messiest
// records in a real org: some have no email, no full name or no org.
func (w *Workspace) addRevUsers(n int) {
	v := w.vocab
	for i := len(w.rev); i < n; i++ {
		num := i + 1
		h := fakeapi.Mix(uint64(num) ^ 0x7e)
		first, last := v.FirstNames[h%uint64(len(v.FirstNames))], v.LastNames[(h>>8)%uint64(len(v.LastNames))]
		orgN := int((h>>16)%uint64(len(v.Companies))) + 1
		company := v.Companies[orgN-1]
		u := &user{
			Type:        typeRevUser,
			ID:          identityDON + "revu/" + strconv.Itoa(num),
			DisplayID:   "REVU-" + strconv.Itoa(num),
			DisplayName: first + " " + last[:1] + ".",
			FullName:    first + " " + last,
			Email:       fakeapi.EmailLocal(first, last) + strconv.Itoa(num) + "@" + fakeapi.Fold(company) + ".example",
			State:       "active",
			RevOrg: &orgSummary{
				Type: "rev_org", ID: identityDON + "revo/" + strconv.Itoa(orgN),
				DisplayID: "REV-" + chatCode(orgN)[:6], DisplayName: company,
			},
		}
		switch (h >> 32) % 20 {
		case 0:
			u.FullName = ""
		case 1:
			u.Email = ""
			u.State = "shadow"
		case 2:
			u.RevOrg = nil
		case 3:
			u.State = "deactivated"
		case 4, 5:
			u.ExternalRef = u.Email
		}
		w.addUser(&w.rev, u)
	}
}

func (w *Workspace) addUser(pool *[]*user, u *user) {
	*pool = append(*pool, u)
	w.users[u.ID] = u
	w.users[u.DisplayID] = u
}

// customer and agent pick deterministic users for an object number.
func (w *Workspace) customer(n int) *user {
	return w.rev[fakeapi.Mix(uint64(n)^0xc5)%uint64(len(w.rev))]
}
func (w *Workspace) agent(n int) *user { return w.dev[fakeapi.Mix(uint64(n)^0xa9)%uint64(len(w.dev))] }

// addCatalog creates the org-wide objects conversations refer to.
func (w *Workspace) addCatalog() {
	for i, name := range w.vocab.tagNames {
		w.tags = append(w.tags, &tag{num: i + 1, name: name})
	}
	for i, name := range []string{"Standard support", "Premium 24/7", "Enterprise gold"} {
		w.policies = append(w.policies, &slaPolicy{num: i + 1, name: name})
	}
	for i, name := range []string{"First response time", "Next response time", "Resolution time"} {
		w.metrics = append(w.metrics, &metricDef{num: i + 1, name: name})
	}
}
