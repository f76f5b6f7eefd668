package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/client"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// The examples run against a real server started by TestMain; serverURL
// stands for the address of yours, e.g. "http://127.0.0.1:8080".

func ExampleNew() {
	ctx := context.Background()
	c, err := client.New(serverURL)
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range res.Msg.GetOrganizations() {
		fmt.Println(o.GetName())
	}
	// Output:
	// Comune di Borgo Varco
	// Navigazione Laghi di Mantova
}

func ExampleWithProtocol() {
	ctx := context.Background()
	// gRPC over cleartext HTTP/2, as grpc-go clients and load balancers
	// speak it; the server answers all three protocols on the same port.
	c, err := client.New(serverURL, client.WithProtocol(client.GRPC))
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{
		ResourceId: "5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee", // the demo ID card service
	}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Msg.GetResource().GetName())
	for _, op := range res.Msg.GetResource().GetOperators() {
		fmt.Println("-", op.GetDisplayName())
	}
	// Output:
	// Carta d'identità elettronica
	// - Sportello 1 - Laura
	// - Sportello 2 - Marco
}

func ExampleWithRetries() {
	ctx := context.Background()
	// Reads are retried when the server is briefly unavailable (a restart);
	// each attempt gets at most five seconds.
	c, err := client.New(serverURL, client.WithRetries(3), client.WithTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Catalog.GetAvailability(ctx, connect.NewRequest(&varcov1.GetAvailabilityRequest{
		ResourceId: "5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee", FromDate: "2026-12-08", ToDate: "2026-12-08",
	}))
	if err != nil {
		log.Fatal(err)
	}
	day := res.Msg.GetDays()[0]
	fmt.Println(day.GetDate(), "closed:", day.GetClosedReason())
	// Output:
	// 2026-12-08 closed: Immacolata Concezione
}

func ExampleAsError() {
	ctx := context.Background()
	c, err := client.New(serverURL, client.WithLanguage("en"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.org",
		CodiceFiscale: "RSSMRA85T10A562X", // wrong check character
		Password:      "una-password-lunga", PrivacyConsent: true,
	}))
	if e, ok := client.AsError(err); ok {
		fmt.Println(e.Code)
		fmt.Println(e.Field, e.Reason)
		fmt.Println(e.Message)
	}
	// Output:
	// invalid_argument
	// codice_fiscale cf_check
	// The codice fiscale is not correct: the check character does not match
}

func ExampleClient_Login() {
	ctx := context.Background()
	c, err := client.New(serverURL)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Login(ctx, "admin@comune.example", "password-amministratore"); err != nil {
		log.Fatal(err)
	}
	// Every later call carries the session token.
	me, err := c.Auth.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Msg.GetAccount().GetGivenName(), me.Msg.GetAccount().GetFamilyName())
	fmt.Println("installation administrator:", me.Msg.GetInstallationAdmin())
	// Output:
	// Anna Verdi
	// installation administrator: true
}
