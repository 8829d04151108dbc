package graphemu

// Fixed object ids of the demo directory returned by DemoSeed.
const (
	DemoDomain            = "contoso.example"
	DemoGraceHopperID     = "6e7b768e-07e2-4810-8459-485f84f8f204" // manager with a mailbox
	DemoAlanTuringID      = "5c1c8f2e-3a4d-4b6e-8f70-2a1b9c0d1e22" // manager with a mailbox
	DemoLinusPaulingID    = "9b2d4f61-7c8e-4a0b-b1c2-3d4e5f607182" // manager WITHOUT a mailbox
	DemoHelpdeskID        = "3a8f1c2d-4e5b-4c6d-9e7f-8a9b0c1d2e3f" // helpdesk@contoso.example
	DemoSenderID          = "0d4a6b8c-1e2f-4a3b-8c5d-6e7f8091a2b3" // tapflow@contoso.example, the sending mailbox
	DemoAdaLovelaceID     = "11c4a5e1-7c2d-4f3a-9b8e-1d2c3b4a5e61" // joiner E1001, manager Grace
	DemoKatherineID       = "22d5b6f2-8d3e-4a4b-8c9f-2e3d4c5b6f72" // joiner E1002, manager Alan
	DemoDorothyVaughanID  = "33e6c7a3-9e4f-4b5c-9da0-3f4e5d6c7a83" // joiner E1003, manager Linus (no mailbox)
	DemoMargaretID        = "44f7d8b4-af50-4c6d-8eb1-4a5f6e7d8b94" // joiner E1004, Global Administrator
	DemoRadiaPerlmanID    = "55a8e9c5-b061-4d7e-9fc2-5b6a7f8e9ca5" // existing employee E0999 with a FIDO2 key
	DemoRadiaFido2ID      = "66b9fad6-c172-4e8f-a0d3-6c7b8a9fadb6" // Radia's FIDO2 method
	DemoAllStaffGroupID   = "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6" // every demo employee
	DemoNewJoinersGroupID = "8e2f3a4b-5c6d-4e7f-9a01-b2c3d4e5f6a7" // the member joiners (E1001-E1004, E1006)
	DemoHedyLamarrID      = "77c0a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b" // joiner E1005, a guest (userType Guest), manager Grace
	DemoBarbaraLiskovID   = "88d1b2c3-d4e5-4f6a-9b7c-8d9e0f1a2b3c" // joiner E1006, eligible (PIM) for Global Administrator
)

// DemoSeed returns the demo directory of contoso.example with the default TAP policy.
func DemoSeed() *Seed {
	upn := func(local string) string { return local + "@" + DemoDomain }
	staff := []string{DemoAllStaffGroupID}
	joiner := []string{DemoAllStaffGroupID, DemoNewJoinersGroupID}
	person := func(id, local, name, employee, manager, lang string, groups []string) SeedUser {
		return SeedUser{ID: id, UserPrincipalName: upn(local), DisplayName: name, Mail: upn(local),
			EmployeeID: employee, ManagerID: manager, PreferredLanguage: lang, Groups: groups}
	}
	grace := person(DemoGraceHopperID, "grace.hopper", "Grace Hopper", "E0101", "", "en-US", staff)
	alan := person(DemoAlanTuringID, "alan.turing", "Alan Turing", "E0102", "", "en-GB", staff)
	linus := person(DemoLinusPaulingID, "linus.pauling", "Linus Pauling", "E0103", "", "en-US", staff)
	linus.Mail = "" // no Exchange mailbox
	helpdesk := person(DemoHelpdeskID, "helpdesk", "Contoso Helpdesk", "", "", "en-GB", nil)
	sender := person(DemoSenderID, "tapflow", "tapflow onboarding", "", "", "en-GB", nil)
	ada := person(DemoAdaLovelaceID, "ada.lovelace", "Ada Lovelace", "E1001", DemoGraceHopperID, "en-GB", joiner)
	katherine := person(DemoKatherineID, "katherine.johnson", "Katherine Johnson", "E1002", DemoAlanTuringID, "en-US", joiner)
	dorothy := person(DemoDorothyVaughanID, "dorothy.vaughan", "Dorothy Vaughan", "E1003", DemoLinusPaulingID, "en-US", joiner)
	margaret := person(DemoMargaretID, "margaret.hamilton", "Margaret Hamilton", "E1004", DemoGraceHopperID, "en-US", joiner)
	margaret.DirectoryRoles = []string{"Global Administrator"}
	radia := person(DemoRadiaPerlmanID, "radia.perlman", "Radia Perlman", "E0999", DemoGraceHopperID, "en-US", staff)
	radia.Methods = []map[string]any{{
		"@odata.type":             "#microsoft.graph.fido2AuthenticationMethod",
		"id":                      DemoRadiaFido2ID,
		"displayName":             "Radia's security key",
		"createdDateTime":         "2024-03-11T09:30:00Z",
		"aaGuid":                  "2fc0579f-8113-47ea-b116-555a8db9202a",
		"model":                   "NFC key",
		"attestationCertificates": []any{"dbe793efdf1945e2df25d93653a1e8a3268a9075"},
		"attestationLevel":        "attested",
	}}
	hedy := person(DemoHedyLamarrID, "hedy.lamarr_fabrikam.example#EXT#", "Hedy Lamarr", "E1005", DemoGraceHopperID, "en-US", nil)
	hedy.Mail, hedy.UserType = "hedy.lamarr@fabrikam.example", "Guest"
	barbara := person(DemoBarbaraLiskovID, "barbara.liskov", "Barbara Liskov", "E1006", DemoAlanTuringID, "en-US", joiner)
	barbara.EligibleRoles = []string{"Global Administrator"}
	policy := DefaultPolicy()
	return &Seed{
		Users:  []SeedUser{grace, alan, linus, helpdesk, sender, ada, katherine, dorothy, margaret, radia, hedy, barbara},
		Policy: &policy,
	}
}
