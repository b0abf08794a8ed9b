//! Naming cases from real problem reports, each with the exact expected outcome.

use course::{
    check_namespace, validate_name, Attendee, Environment, NamespaceError, Region, ResourceKind,
    Violation,
};

fn check(namespace: &str) -> course::NamespaceCheck {
    check_namespace(namespace, Environment::Dv, &Region::north_europe())
}

fn planned_name(check: &course::NamespaceCheck, title: &str) -> String {
    check
        .names
        .iter()
        .find(|name| name.title == title)
        .unwrap_or_else(|| panic!("no planned name titled {title}"))
        .name
        .clone()
}

#[test]
fn dgrf_gives_course_names() {
    let check = check("dgrf");
    assert!(check.valid);
    assert_eq!(
        planned_name(&check, "broker namespace"),
        "dv-events001-ehns-eun-dgrf"
    );
    assert_eq!(
        planned_name(&check, "capture storage account"),
        "dvevents001saeundgrf"
    );
    assert_eq!(
        planned_name(&check, "data lake storage account"),
        "dvlakesaeundgrf"
    );
    assert_eq!(
        planned_name(&check, "schema registry namespace"),
        "dv-schemaregistry-ehns-eun-dgrf"
    );
}

#[test]
fn capitals_are_lowercased_and_attendee_told() {
    let check = check("DGRF");
    assert!(check.valid);
    assert_eq!(check.namespace, "dgrf");
    assert!(check.lowercased);
    assert_eq!(
        check.notices,
        ["Azure names here are lower case, so `DGRF` is used as `dgrf` in every name."]
    );
    assert_eq!(
        planned_name(&check, "broker namespace"),
        "dv-events001-ehns-eun-dgrf"
    );
    let attendee = Attendee::new("DGRF", Environment::Dv, Region::north_europe()).unwrap();
    assert_eq!(attendee.namespace(), "dgrf");
}

#[test]
fn hyphen_rejected_by_storage_accounts() {
    let check = check("my-ns");
    assert!(!check.valid);
    let resources: Vec<&str> = check.problems.iter().map(|p| p.resource.as_str()).collect();
    assert_eq!(
        resources,
        ["capture storage account", "data lake storage account"]
    );
    let first = &check.problems[0];
    assert_eq!(first.kind, ResourceKind::StorageAccount);
    assert_eq!(first.name, "dvevents001saeunmy-ns");
    assert_eq!(
        first.message,
        "The capture storage account name `dvevents001saeunmy-ns` is invalid because it \
         contains `-`, but only lower-case ASCII letters (a-z) and digits are allowed. Fix: \
         remove `-` from the unique namespace: storage account names allow only lower-case ASCII \
         letters (a-z) and digits."
    );
}

#[test]
fn nine_characters_exceed_storage_account_limit() {
    let check = check("abcdefghi");
    assert!(!check.valid);
    let storage = check
        .problems
        .iter()
        .find(|problem| problem.resource == "capture storage account")
        .expect("the capture account is too long");
    assert_eq!(
        storage.message,
        "The capture storage account name `dvevents001saeunabcdefghi` would be 25 characters, \
         but a storage account name is at most 24: `dvevents001saeun` takes 16, so at most 8 \
         characters of unique namespace fit. Fix: use a unique namespace of at most 8 characters \
         for this name, and at most 5 for every planned name."
    );
    assert_eq!(
        storage.fix,
        "use a unique namespace of at most 8 characters for this name, and at most 5 for every \
         planned name"
    );
}

#[test]
fn first_problem_of_too_long_namespace_is_storage_account() {
    let check = check("abcdefghi");
    assert_eq!(check.problems[0].resource, "capture storage account");
}

#[test]
fn customer_vault_allows_four_and_five_characters() {
    let dgrf = check("dgrf");
    assert_eq!(
        planned_name(&dgrf, "key vault of the customer team"),
        "dv-customer-kv-eun-dgrf"
    );
    assert!(dgrf.valid);

    let dgrfx = check("dgrfx");
    let vault = planned_name(&dgrfx, "key vault of the customer team");
    assert_eq!(vault, "dv-customer-kv-eun-dgrfx");
    assert_eq!(vault.len(), 24);
    assert!(dgrfx.valid);

    let too_long = check("dgrfxy");
    assert!(!too_long.valid);
    assert_eq!(
        too_long.problems[0].resource,
        "key vault of the customer team"
    );
    assert_eq!(
        too_long.problems[0].fix,
        "use a unique namespace of at most 5 characters"
    );
}

#[test]
fn longest_namespace_is_shown_with_its_resource() {
    let check = check("");
    assert_eq!(check.max_length, 5);
    assert_eq!(
        check.max_length_set_by,
        "key vault of the customer team `dv-customer-kv-eun-{namespace}` (at most 24 characters)"
    );
}

#[test]
fn longest_namespace_follows_region_code() {
    let region = Region::new("eastus2", "use2").unwrap();
    let check = check_namespace("", Environment::Dv, &region);
    assert_eq!(check.max_length, 4);
}

#[test]
fn long_region_code_is_named_in_error() {
    let region = Region::new("northeurope", "eunxx").unwrap();
    let check = check_namespace("dgrf", Environment::Dv, &region);
    assert!(!check.valid);
    let message = NamespaceError {
        check: Box::new(check),
    }
    .to_string();
    assert!(
        message.ends_with(
            "\n  The region code `eunxx` is part of these names too: a code of 3 letters, such \
             as `eun`, the usual code of northeurope, leaves 2 more characters for the namespace."
        ),
        "{message}"
    );

    let unknown = Region::new("brazilsouth", "brs1").unwrap();
    let hint = check_namespace("dgrfx", Environment::Dv, &unknown).region_hint;
    assert_eq!(
        hint.as_deref(),
        Some(
            "The region code `brs1` is part of these names too: a code of 3 letters, such as \
             `eun` for northeurope, leaves 1 more character for the namespace."
        )
    );
    let fitting = check_namespace("dg", Environment::Dv, &unknown);
    assert_eq!(fitting.region_hint, None);
}

#[test]
fn empty_namespace_asks_for_one() {
    let check = check("   ");
    assert!(!check.valid);
    assert_eq!(check.problems.len(), 1);
    assert_eq!(
        check.problems[0].message,
        "The unique namespace is empty: type 1 to 5 lower-case letters or digits, such as your \
         initials."
    );
}

#[test]
fn namespace_making_reserved_suffix_is_rejected() {
    let check = check("sb");
    assert!(!check.valid);
    let reserved: Vec<&str> = check
        .problems
        .iter()
        .filter(|problem| problem.rule.contains("`-sb`"))
        .map(|problem| problem.resource.as_str())
        .collect();
    assert_eq!(reserved, ["broker namespace", "schema registry namespace"]);
}

#[test]
fn every_non_letter_digit_character_is_rejected() {
    for namespace in ["dg_f", "dg.f", "dgr f", "dgré", "d/gf"] {
        let check = check(namespace);
        assert!(!check.valid, "{namespace} must be rejected");
        assert!(
            check
                .problems
                .iter()
                .any(|problem| problem.kind == ResourceKind::StorageAccount),
            "{namespace}: the storage account rule names the problem"
        );
    }
}

#[test]
fn every_planned_name_is_valid_for_dgrf() {
    let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
    for resource in course::plan(&attendee).resources() {
        assert_eq!(
            validate_name(resource.kind(), &resource.name),
            Ok(()),
            "{}",
            resource.title
        );
    }
}

#[test]
fn event_hubs_namespace_abcde_too_short() {
    let error = validate_name(ResourceKind::EventHubsNamespace, "abcde").unwrap_err();
    assert_eq!(
        error.violations,
        [Violation::TooShort { length: 5, min: 6 }]
    );
    assert!(error
        .to_string()
        .contains("use 6 to 50 ASCII letters (a-z, A-Z), digits and hyphens"));
}

#[test]
fn event_hubs_namespace_dev_lab_allowed() {
    assert_eq!(
        validate_name(ResourceKind::EventHubsNamespace, "dev-lab"),
        Ok(())
    );
}

#[test]
fn event_hubs_namespace_reserved_suffixes() {
    for name in ["workshop-sb", "workshop-mgmt"] {
        let error = validate_name(ResourceKind::EventHubsNamespace, name).unwrap_err();
        assert!(
            matches!(error.violations[..], [Violation::ReservedSuffix { .. }]),
            "{name}: {error}"
        );
        assert!(error
            .to_string()
            .contains("a suffix Azure reserves for its own endpoints"));
    }
}

#[test]
fn event_hubs_namespace_starting_with_digit() {
    let error = validate_name(ResourceKind::EventHubsNamespace, "9lives-ns").unwrap_err();
    assert_eq!(
        error.violations,
        [Violation::InvalidFirst {
            character: '9',
            required: "an ASCII letter"
        }]
    );
}

#[test]
fn letters_outside_ascii_named_as_not_ascii() {
    let error = validate_name(ResourceKind::EventHubsNamespace, "ädev-lab").unwrap_err();
    assert_eq!(
        error.violations,
        [
            Violation::ForbiddenCharacters {
                characters: vec!['ä'],
                allowed: "ASCII letters (a-z, A-Z), digits and hyphens"
            },
            Violation::InvalidFirst {
                character: 'ä',
                required: "an ASCII letter"
            }
        ]
    );
    let message = validate_name(ResourceKind::EventHub, "héllo")
        .unwrap_err()
        .to_string();
    assert!(
        message
            .contains("contains `é` (U+00E9), but only ASCII letters (a-z, A-Z), digits, periods"),
        "{message}"
    );
}

#[test]
fn namespace_problem_names_character_as_typed() {
    let dotted = check("dgrİ");
    assert_eq!(dotted.namespace, "dgrİ");
    assert!(!dotted.valid);
    let message = &dotted.problems[0].message;
    assert!(message.contains("`İ`"), "{message}");
    assert!(!message.contains('\u{307}'), "{message}");

    let capitals = check("DGRF");
    assert_eq!(capitals.namespace, "dgrf");
    assert!(capitals.valid);
}

#[test]
fn hub_names_with_underscore_and_period_allowed() {
    assert_eq!(
        validate_name(ResourceKind::EventHub, "lead_purchased"),
        Ok(())
    );
    assert_eq!(validate_name(ResourceKind::EventHub, "customer.v1"), Ok(()));
}

#[test]
fn key_vault_with_double_hyphen_rejected() {
    let error = validate_name(ResourceKind::KeyVault, "dv-customer--kv").unwrap_err();
    assert_eq!(error.violations, [Violation::DoubleHyphen]);
    assert!(error.to_string().contains("`--`"));
}

#[test]
fn namespace_error_gives_one_line_per_fix() {
    let error = Attendee::new("ab.c", Environment::Dv, Region::north_europe()).unwrap_err();
    let text = error.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "unique namespace `ab.c` is invalid: 8 planned names break Azure's naming rules:"
    );
    // Every name that breaks a rule is named once per rule, and each fix is one line.
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        lines[2],
        "  - Remove `.` from the unique namespace: storage account names allow only lower-case \
         ASCII letters (a-z) and digits. Affected: capture storage account \
         `dvevents001saeunab.c`, data lake storage account `dvlakesaeunab.c`."
    );
}

#[test]
fn namespace_error_gives_lengths_and_limit() {
    let error = Attendee::new("abcdefghi", Environment::Dv, Region::north_europe()).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains(
            "  - Use a unique namespace of at most 8 characters for this name, and at most 5 for \
             every planned name. Affected: capture storage account `dvevents001saeunabcdefghi` \
             (25 characters, at most 24)"
        ),
        "{text}"
    );
    assert!(
        text.ends_with(
            "The longest namespace every name allows is 5 characters, set by the key vault of \
             the customer team `dv-customer-kv-eun-{namespace}` (at most 24 characters)."
        ),
        "{text}"
    );
}

#[test]
fn invisible_characters_named_by_code_point() {
    // A zero-width space, a tab and an escape look like nothing, or act on the terminal, when
    // printed as typed.
    for (namespace, code_point, shown) in [
        ("dg\u{200b}rf", "U+200B", "dg<U+200B>rf"),
        ("dg\trf", "U+0009", "dg<U+0009>rf"),
        ("dg\u{1b}rf", "U+001B", "dg<U+001B>rf"),
        ("dg\u{a0}rf", "U+00A0", "dg<U+00A0>rf"),
    ] {
        let error = Attendee::new(namespace, Environment::Dv, Region::north_europe()).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains(&format!("Remove {code_point} from the unique namespace")),
            "{text}"
        );
        assert!(text.contains(&format!("`dvlakesaeun{shown}`")), "{text}");
        assert!(
            text.starts_with(&format!("unique namespace `{shown}` is invalid")),
            "{text}"
        );
        let raw: Vec<char> = namespace
            .chars()
            .filter(|c| !c.is_ascii_graphic())
            .collect();
        assert!(!text.contains(raw[0]), "{text:?}");
    }

    let error = validate_name(ResourceKind::StorageAccount, "ab\u{200b}c").unwrap_err();
    assert_eq!(
        error.to_string(),
        "storage account name `ab<U+200B>c` is invalid: it contains U+200B, but only lower-case \
         ASCII letters (a-z) and digits are allowed; use 3 to 24 lower-case ASCII letters (a-z) \
         and digits"
    );
    let error = validate_name(ResourceKind::EventHub, "\tlead").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("it starts with U+0009, but must start with"),
        "{error}"
    );
}

#[test]
fn visible_non_ascii_characters_add_code_point() {
    let error = validate_name(ResourceKind::KeyVault, "dğrf-kv").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("it contains `ğ` (U+011F), but only"),
        "{error}"
    );
    let check = check("ab\u{e4}");
    assert!(
        check.problems[0]
            .message
            .contains("Fix: remove `\u{e4}` (U+00E4) from the unique namespace"),
        "{}",
        check.problems[0].message
    );
}

#[test]
fn look_alike_characters_get_ascii_replacement() {
    // (namespace as typed, replacements named in the fix, namespace the fix proposes)
    let cases = [
        (
            "\u{ff24}\u{ff27}\u{ff32}\u{ff26}",
            "replace `\u{ff24}` (U+FF24) with `d`, `\u{ff27}` (U+FF27) with `g`, `\u{ff32}` \
             (U+FF32) with `r`, `\u{ff26}` (U+FF26) with `f`",
            "dgrf",
        ),
        ("dgr\u{430}", "replace `\u{430}` (U+0430) with `a`", "dgra"),
        ("d\u{415}rf", "replace `\u{415}` (U+0415) with `e`", "derf"),
        ("dgr\u{3bf}", "replace `\u{3bf}` (U+03BF) with `o`", "dgro"),
        ("dg\u{663}", "replace `\u{663}` (U+0663) with `3`", "dg3"),
        (
            "dg\u{e9}\u{430}",
            "replace `\u{430}` (U+0430) with `a`, and remove `\u{e9}` (U+00E9),",
            "dga",
        ),
    ];
    for (namespace, replacements, suggested) in cases {
        let check = check(namespace);
        assert!(!check.valid, "{namespace}");
        let storage = check
            .problems
            .iter()
            .find(|problem| problem.resource == "capture storage account")
            .expect("the storage account rule is broken");
        assert_eq!(
            storage.fix,
            format!(
                "{replacements} in the unique namespace, as in `{suggested}`: storage account \
                 names allow only lower-case ASCII letters (a-z) and digits"
            )
        );
        assert!(
            self::check(suggested).valid,
            "{suggested} is proposed but invalid"
        );
    }
}

#[test]
fn forbidden_last_character_named_once() {
    let check = check("dgr\u{df}");
    assert!(!check.valid);
    assert!(
        check.problems.iter().all(|problem| matches!(
            problem.violation,
            Some(Violation::ForbiddenCharacters { .. })
        )),
        "{:?}",
        check.problems
    );
    let text = NamespaceError {
        check: Box::new(check),
    }
    .to_string();
    assert!(!text.contains("End the unique namespace"), "{text}");

    // A forbidden character that no other rule names still gets its own line.
    let check = self::check("dgr-");
    assert!(check.problems.iter().any(|problem| matches!(
        problem.violation,
        Some(Violation::InvalidLast { character: '-', .. })
    )));
}

#[test]
fn name_error_suggests_ascii_look_alike() {
    let error = validate_name(ResourceKind::EventHubsNamespace, "d\u{435}v-lab").unwrap_err();
    assert_eq!(
        error.to_string(),
        "Event Hubs namespace name `d\u{435}v-lab` is invalid: it contains `\u{435}` (U+0435), but \
         only ASCII letters (a-z, A-Z), digits and hyphens are allowed; type `e` in place of \
         `\u{435}` (U+0435), and use 6 to 50 ASCII letters (a-z, A-Z), digits and hyphens, \
         starting with an ASCII letter, ending with an ASCII letter or a digit"
    );

    let error = validate_name(ResourceKind::StorageAccount, "dvlakesa\u{ff25}un").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("; type `e` in place of `\u{ff25}` (U+FF25), and use 3 to 24"),
        "{error}"
    );

    let error = validate_name(ResourceKind::EventHub, "l\u{e9}ad").unwrap_err();
    assert!(!error.to_string().contains("in place of"), "{error}");
}
