//! Realistic customers, the same for a given seed: names and emails from word lists, ids as
//! UUIDs drawn from a seeded ChaCha generator.
//!
//! Customer number `n` of seed `s` is drawn from its own generator seeded with SHA-256 of
//! (`s`, `n`), so a restarted flow continues with exactly the customers it would have made.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ring::digest::{digest, SHA256};
use uuid::Uuid;

const FIRST_NAMES: [&str; 32] = [
    "Amara", "Bjorn", "Chiara", "Dmitri", "Elif", "Farah", "Gareth", "Hana", "Ines", "Jonas",
    "Keiko", "Lars", "Maja", "Nikolai", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tariq", "Ulla",
    "Vera", "Wiktor", "Ximena", "Yusuf", "Zofia", "Aoife", "Bruno", "Camille", "Diego", "Emre",
    "Freya",
];

const LAST_NAMES: [&str; 32] = [
    "Andersen",
    "Byrne",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Horvath",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "OBrien",
    "Petrov",
    "Quintana",
    "Rossi",
    "Schmidt",
    "Takahashi",
    "Urban",
    "Virtanen",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zielinski",
    "Haugen",
    "Murphy",
    "Nieminen",
    "Santos",
    "Keller",
    "Larsen",
];

const DOMAINS: [&str; 8] = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "post.example.org",
    "inbox.example.net",
    "customers.example.com",
    "shop.example.org",
];

/// A generated customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedCustomer {
    /// The customer's number in creation order, from 0.
    pub number: u64,
    /// The customer id.
    pub id: Uuid,
    /// The first name.
    pub first_name: String,
    /// The last name.
    pub last_name: String,
    /// The email address, made from the names.
    pub email: String,
}

/// Generates customer number `number` of the flow seeded with `seed`.
pub fn generate_customer(seed: u64, number: u64) -> GeneratedCustomer {
    let mut material = Vec::with_capacity(16);
    material.extend_from_slice(&seed.to_be_bytes());
    material.extend_from_slice(&number.to_be_bytes());
    let mut rng_seed = [0u8; 32];
    rng_seed.copy_from_slice(digest(&SHA256, &material).as_ref());
    let mut rng = ChaCha8Rng::from_seed(rng_seed);

    let id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
    let first_name = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last_name = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let domain = DOMAINS[rng.random_range(0..DOMAINS.len())];
    // The number keeps addresses unique when two customers share both names.
    let email = format!(
        "{}.{}{}@{domain}",
        first_name.to_lowercase(),
        last_name.to_lowercase(),
        number
    );
    GeneratedCustomer {
        number,
        id,
        first_name: first_name.to_string(),
        last_name: last_name.to_string(),
        email,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_customer() {
        assert_eq!(generate_customer(7, 3), generate_customer(7, 3));
    }

    #[test]
    fn other_seed_or_number_gives_other_customer() {
        assert_ne!(generate_customer(7, 3).id, generate_customer(8, 3).id);
        assert_ne!(generate_customer(7, 3).id, generate_customer(7, 4).id);
    }

    #[test]
    fn email_is_made_from_names() {
        let customer = generate_customer(1, 12);
        let prefix = format!(
            "{}.{}12@",
            customer.first_name.to_lowercase(),
            customer.last_name.to_lowercase()
        );
        assert!(customer.email.starts_with(&prefix), "{}", customer.email);
        assert_eq!(customer.id.get_version_num(), 4);
    }
}
