package catalog

import "context"

// Reader reads catalog entries by id.
type Reader interface {
	GetResource(ctx context.Context, id string) (Resource, error)
	GetPlace(ctx context.Context, id string) (Place, error)
	GetOrganization(ctx context.Context, id string) (Organization, error)
}

// Pinner is a Reader whose lookups can share one read of the catalog
// version: Describe makes three lookups and uses it when r has it.
type Pinner interface {
	// Pinned returns a Reader answering at the version read now.
	Pinned(ctx context.Context) (Reader, error)
}

// Description is what messages and calendar files say about where and
// with whom a booking takes place.
type Description struct {
	Resource     Resource
	Place        Place
	Organization Organization
	// Operator is the assigned operator's display name, if any.
	Operator string
	// Contacts are the place's, each field falling back to the
	// organization's.
	Contacts Contacts
}

// Describe loads the description of a booking of resourceID served by
// operatorID ("" for none).
func Describe(ctx context.Context, r Reader, resourceID, operatorID string) (Description, error) {
	var d Description
	var err error
	if p, ok := r.(Pinner); ok {
		if r, err = p.Pinned(ctx); err != nil {
			return d, err
		}
	}
	if d.Resource, err = r.GetResource(ctx, resourceID); err != nil {
		return d, err
	}
	if d.Place, err = r.GetPlace(ctx, d.Resource.PlaceID); err != nil {
		return d, err
	}
	if d.Organization, err = r.GetOrganization(ctx, d.Resource.OrganizationID); err != nil {
		return d, err
	}
	d.Contacts = d.Place.Contacts
	if d.Contacts.Phone == "" {
		d.Contacts.Phone = d.Organization.Contacts.Phone
	}
	if d.Contacts.Email == "" {
		d.Contacts.Email = d.Organization.Contacts.Email
	}
	if d.Contacts.Website == "" {
		d.Contacts.Website = d.Organization.Contacts.Website
	}
	for _, op := range d.Resource.Operators {
		if op.ID == operatorID {
			d.Operator = op.DisplayName
		}
	}
	return d, nil
}
