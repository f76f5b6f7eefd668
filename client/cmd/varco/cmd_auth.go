package main

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func (c *cli) login(ctx context.Context, args []string) error {
	fs := c.flagSet("login")
	login := fs.String("login", "", "e-mail or codice fiscale (password: VARCO_PASSWORD, or typed)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"login": *login}); err != nil {
		return err
	}
	password, err := c.readPassword()
	if err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	api.SetToken("") // a stale stored session must not ride along
	res, err := api.Login(ctx, *login, password)
	if err != nil {
		return callErr("login", err)
	}
	store, err := c.sessions()
	if err != nil {
		return err
	}
	if err := store.put(c.server, session{
		Token: res.GetSession().GetToken(), Login: *login, ExpiresAt: res.GetSession().GetExpiresAt().AsTime(),
	}); err != nil {
		return err
	}
	if c.json() {
		// The token stays in the session file: printing it would leave a
		// credential in terminal scrollback and CI logs.
		return c.printProto(&varcov1.LoginResponse{
			Account: res.GetAccount(), Session: &varcov1.Session{ExpiresAt: res.GetSession().GetExpiresAt()},
		})
	}
	a := res.GetAccount()
	_, err = fmt.Fprintln(c.stdout, c.t("cli.login.done",
		serverKey(c.server), a.GetGivenName(), a.GetFamilyName(), a.GetEmail(),
		res.GetSession().GetExpiresAt().AsTime().Local().Format("2006-01-02 15:04")))
	return err
}

func (c *cli) logout(ctx context.Context, args []string) error {
	fs := c.flagSet("logout")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	store, err := c.sessions()
	if err != nil {
		return err
	}
	if api.Token() != "" {
		_, err := api.Auth.Logout(ctx, connect.NewRequest(&varcov1.LogoutRequest{}))
		// An already invalid session is as logged out as it gets; any
		// other failure keeps the local session so the user can retry.
		if err != nil && connect.CodeOf(err) != connect.CodeUnauthenticated {
			return callErr("logout", err)
		}
	}
	if err := store.put(c.server, session{}); err != nil {
		return err
	}
	if c.json() {
		return c.printProto(&varcov1.LogoutResponse{})
	}
	_, err = fmt.Fprintln(c.stdout, c.t("cli.logout.done", serverKey(c.server)))
	return err
}

func (c *cli) whoami(ctx context.Context, args []string) error {
	fs := c.flagSet("whoami")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Auth.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
	if err != nil {
		return callErr("whoami", err)
	}
	m := res.Msg
	if c.json() {
		return c.printProto(m)
	}
	orgs := map[string]string{}
	if len(m.GetRoles()) > 0 {
		// Names make roles readable; without them the ids still do.
		if list, err := api.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{PageSize: 200})); err == nil {
			for _, o := range list.Msg.GetOrganizations() {
				orgs[o.GetId()] = fmt.Sprintf("%s (%s)", o.GetName(), o.GetId())
			}
		}
	}
	tw := c.table()
	a := m.GetAccount()
	fmt.Fprintf(tw, "%s\t%s\n", c.t("cli.whoami.server"), serverKey(c.server))
	fmt.Fprintf(tw, "%s\t%s\n", c.t("cli.whoami.kind"), enumName(m.GetKind()))
	if a != nil {
		fmt.Fprintf(tw, "%s\t%s %s\n", c.t("cli.whoami.name"), a.GetGivenName(), a.GetFamilyName())
		fmt.Fprintf(tw, "%s\t%s\n", c.t("cli.whoami.email"), a.GetEmail())
		fmt.Fprintf(tw, "%s\t%s\n", c.t("cli.whoami.cf"), a.GetCodiceFiscale())
		fmt.Fprintf(tw, "%s\t%s\n", c.t("cli.whoami.account"), a.GetId())
	}
	if m.GetInstallationAdmin() {
		fmt.Fprintf(tw, "%s\t%s\n", c.t("cli.whoami.admin"), c.t("cli.whoami.yes"))
	}
	for _, r := range m.GetRoles() {
		scope := c.t("cli.whoami.allResources")
		if ids := r.GetResourceIds(); len(ids) > 0 {
			scope = strings.Join(ids, ", ")
		}
		if r.GetKind() == varcov1.StaffRoleKind_STAFF_ROLE_KIND_ORGANIZER {
			scope = c.t("cli.whoami.everything")
		}
		org := orgs[r.GetOrganizationId()]
		if org == "" {
			org = r.GetOrganizationId()
		}
		fmt.Fprintf(tw, "%s\t%s\n", c.t("cli.whoami.role"), c.t("cli.whoami.roleOf", enumName(r.GetKind()), org, scope))
	}
	if d := m.GetDevice(); d != nil {
		fmt.Fprintf(tw, "%s\t%s (%s)\n", c.t("cli.whoami.device"), d.GetName(), d.GetId())
	}
	return tw.Flush()
}
