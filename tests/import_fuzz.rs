//! The importers on mutated real records: fields deleted, retyped, emptied, garbled,
//! lengthened, given control characters and other scripts. Whatever the mutation, no
//! parser panics, every item is either imported or rejected with a reason, and only an
//! item that cannot be an announcement (no id, no title, not an object, a duplicate id)
//! is rejected. A seeded generator makes each run the same; `JIWON_FUZZ_ROUNDS` runs more.

mod common;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use jiwon::ingest::parse::{parse_bizinfo_json, parse_kstartup_json, Parsed};

const BIZINFO_ID: &str = "pblancId";
const BIZINFO_TITLE: &str = "pblancNm";
const KSTARTUP_ID: &str = "pbanc_sn";
const KSTARTUP_TITLE: &str = "biz_pbanc_nm";

fn rounds() -> usize {
    std::env::var("JIWON_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

fn garble(rng: &mut StdRng, s: &str) -> String {
    let pieces = [
        "",
        " ",
        "\t",
        "\r\n",
        "\u{0}",
        "~",
        "∼",
        "ㆍ",
        "·",
        "🙂",
        "𝕏",
        "\u{200B}",
        "<script>",
        "&amp;",
        "2026-13-45",
        "20261345",
        "9999-99-99",
        "상시",
        "예산 소진 시까지",
        "익월 10일까지",
        "통지를 받은 날부터 30일 이내",
        "@",
        ",",
        "#",
        "%",
        "\\",
        "\"",
        "'",
        "ﾟ",
        "٣",
    ];
    let mut chars: Vec<char> = s.chars().collect();
    match rng.gen_range(0..6) {
        0 => chars.truncate(rng.gen_range(0..=chars.len())),
        1 => {
            let at = rng.gen_range(0..=chars.len());
            let piece = pieces.choose(rng).copied().unwrap_or("");
            for (k, c) in piece.chars().enumerate() {
                chars.insert(at + k, c);
            }
        }
        2 => chars.reverse(),
        3 => chars.shuffle(rng),
        4 => {
            return pieces
                .choose(rng)
                .copied()
                .unwrap_or("")
                .repeat(rng.gen_range(1..2000))
        }
        _ => {
            return (0..rng.gen_range(0..300))
                .map(|_| char::from_u32(rng.gen_range(0..0x11000)).unwrap_or('?'))
                .collect()
        }
    }
    chars.into_iter().collect()
}

fn mutate_value(rng: &mut StdRng, v: &Value) -> Value {
    match rng.gen_range(0..9) {
        0 => Value::Null,
        1 => json!(rng.gen_range(-5i64..1_000_000_000)),
        2 => json!(rng.gen::<f64>() * 1e12),
        3 => json!(rng.gen_bool(0.5)),
        4 => json!([v.clone(), "x"]),
        5 => json!({"nested": v.clone()}),
        _ => match v.as_str() {
            Some(s) => Value::String(garble(rng, s)),
            None => Value::String(garble(rng, &v.to_string())),
        },
    }
}

/// Mutate one item; whether its id and title are still usable afterwards is decided by
/// the caller from the result.
fn mutate_item(rng: &mut StdRng, item: &Value, protect: &[&str]) -> Value {
    let Some(obj) = item.as_object() else {
        return item.clone();
    };
    if rng.gen_ratio(1, 60) {
        // Not an object at all.
        return [json!(null), json!(7), json!("문자열"), json!([1, 2])]
            .choose(rng)
            .cloned()
            .unwrap_or(Value::Null);
    }
    let mut out: Map<String, Value> = obj.clone();
    let keys: Vec<String> = obj.keys().cloned().collect();
    for _ in 0..rng.gen_range(1..6) {
        let Some(k) = keys.choose(rng) else { break };
        let guarded = protect.contains(&k.as_str()) && rng.gen_ratio(9, 10);
        if guarded {
            continue;
        }
        if rng.gen_ratio(1, 4) {
            out.remove(k);
        } else if let Some(v) = obj.get(k) {
            out.insert(k.clone(), mutate_value(rng, v));
        }
    }
    if rng.gen_ratio(1, 10) {
        out.insert(garble(rng, "unknownField"), json!(garble(rng, "값")));
    }
    Value::Object(out)
}

fn has_text(item: &Value, key: &str) -> bool {
    match item.get(key) {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Number(_)) => true,
        _ => false,
    }
}

/// Every item accounted for; rejections only for the reasons an item cannot be an
/// announcement, each with its reason.
fn check(parsed: &Parsed, items: &[Value], id: &str, title: &str, ctx: &str) {
    assert_eq!(
        parsed.records.len() + parsed.rejected.len(),
        items.len(),
        "{ctx}: every item is imported or rejected"
    );
    for r in &parsed.rejected {
        assert!(
            !r.reason.trim().is_empty(),
            "{ctx}: a rejection without a reason"
        );
        let item = &items[r.index];
        let cannot_be = !item.is_object()
            || !has_text(item, id)
            || !has_text(item, title)
            || r.reason.contains("중복")
            || r.reason.contains(id)
            || r.reason.contains(title);
        assert!(
            cannot_be,
            "{ctx}: item {} rejected although it has an id and a title: {}\n{}",
            r.index,
            r.reason,
            serde_json::to_string(item)
                .unwrap_or_default()
                .chars()
                .take(600)
                .collect::<String>()
        );
    }
}

fn items_of(path: &str, key: &str) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(common::data_file(path)).expect("data"))
        .expect("json");
    v[key].as_array().cloned().expect("array")
}

#[test]
fn bizinfo_json_survives_mutated_real_records() {
    let real = items_of("bizinfo_2026.json", "jsonArray");
    let mut rng = StdRng::seed_from_u64(20261206);
    let (mut imported, mut rejected) = (0, 0);
    for round in 0..rounds() {
        let items: Vec<Value> = real
            .iter()
            .map(|it| {
                if rng.gen_ratio(1, 2) {
                    mutate_item(&mut rng, it, &[BIZINFO_ID, BIZINFO_TITLE])
                } else {
                    it.clone()
                }
            })
            .collect();
        let bytes = serde_json::to_vec(&json!({ "jsonArray": items })).expect("encode");
        let parsed = std::panic::catch_unwind(|| parse_bizinfo_json(&bytes))
            .unwrap_or_else(|_| panic!("round {round}: the bizinfo parser panicked"))
            .expect("a JSON file of records parses");
        check(
            &parsed,
            &items,
            BIZINFO_ID,
            BIZINFO_TITLE,
            &format!("bizinfo round {round}"),
        );
        imported += parsed.records.len();
        rejected += parsed.rejected.len();
    }
    println!(
        "bizinfo fuzz: {} rounds × {} records: {imported} imported, {rejected} rejected",
        rounds(),
        real.len()
    );
}

#[test]
fn kstartup_json_survives_mutated_real_records() {
    let real = items_of("kstartup_2026.json", "data");
    let mut rng = StdRng::seed_from_u64(20261207);
    let (mut imported, mut rejected) = (0, 0);
    for round in 0..rounds() * 5 {
        let items: Vec<Value> = real
            .iter()
            .map(|it| {
                if rng.gen_ratio(2, 3) {
                    mutate_item(&mut rng, it, &[KSTARTUP_ID, KSTARTUP_TITLE])
                } else {
                    it.clone()
                }
            })
            .collect();
        let bytes = serde_json::to_vec(&json!({ "currentCount": items.len(), "data": items }))
            .expect("encode");
        let parsed = std::panic::catch_unwind(|| parse_kstartup_json(&bytes))
            .unwrap_or_else(|_| panic!("round {round}: the K-Startup parser panicked"))
            .expect("a JSON file of records parses");
        check(
            &parsed,
            &items,
            KSTARTUP_ID,
            KSTARTUP_TITLE,
            &format!("kstartup round {round}"),
        );
        imported += parsed.records.len();
        rejected += parsed.rejected.len();
    }
    println!(
        "kstartup fuzz: {} rounds × {} records: {imported} imported, {rejected} rejected",
        rounds() * 5,
        real.len()
    );
}

#[test]
fn a_mutated_copy_imports_into_the_database_with_nothing_lost() {
    let app = common::TestApp::spawn();
    let real = items_of("bizinfo_2026.json", "jsonArray");
    let mut rng = StdRng::seed_from_u64(7);
    let items: Vec<Value> = real
        .iter()
        .take(600)
        .map(|it| mutate_item(&mut rng, it, &[BIZINFO_ID, BIZINFO_TITLE]))
        .collect();
    let path = app.dir.path().join("mutated.json");
    std::fs::write(
        &path,
        serde_json::to_vec(&json!({ "jsonArray": items })).unwrap(),
    )
    .unwrap();
    let s = app.import(&path.to_string_lossy());
    println!("mutated bizinfo copy: {}", s.line());
    assert_eq!(
        s.new + s.changed + s.unchanged + s.merged + s.rejected.len(),
        items.len(),
        "every record stored or rejected: {}",
        s.line()
    );
    for r in &s.rejected {
        assert!(
            !r.reason.contains("저장하지 못했습니다"),
            "a parsed record failed to store: {r:?}"
        );
    }
}
