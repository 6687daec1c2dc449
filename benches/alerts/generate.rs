//! Subscriptions for the alerts bench, generated from the shared data's own
//! distributions ([`Dists`]) in the mix of [`SHAPES`], written in fast batches.

use super::*;

// ---------------------------------------------------------------------------------------
// Distributions

/// A weighted choice among values.
pub(crate) struct Weighted<T> {
    pub(crate) items: Vec<T>,
    pub(crate) weights: Vec<f64>,
    pub(crate) dist: WeightedIndex<f64>,
}

impl<T: Clone> Weighted<T> {
    pub(crate) fn new(pairs: Vec<(T, f64)>) -> Weighted<T> {
        let pairs: Vec<(T, f64)> = pairs.into_iter().filter(|(_, w)| *w > 0.0).collect();
        assert!(!pairs.is_empty(), "empty distribution");
        let weights: Vec<f64> = pairs.iter().map(|(_, w)| *w).collect();
        let dist = WeightedIndex::new(&weights).expect("weights");
        Weighted {
            items: pairs.into_iter().map(|(t, _)| t).collect(),
            weights,
            dist,
        }
    }
    pub(crate) fn pick(&self, rng: &mut StdRng) -> T {
        self.items[self.dist.sample(rng)].clone()
    }
    /// Top `k` as "name 12.3%".
    pub(crate) fn top(&self, k: usize, label: impl Fn(&T) -> String) -> String {
        let total: f64 = self.weights.iter().sum();
        let mut idx: Vec<usize> = (0..self.items.len()).collect();
        idx.sort_by(|a, b| self.weights[*b].total_cmp(&self.weights[*a]));
        idx.iter()
            .take(k)
            .map(|&i| {
                format!(
                    "{} {:.1}%",
                    label(&self.items[i]),
                    100.0 * self.weights[i] / total
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Approximate shares (%) of small businesses by KSIC division: rounded sector shares of
/// 통계청 소상공인실태조사 (도소매 ~30%, 숙박·음식 ~19%, 수리·개인서비스 ~10%, 제조 ~9%,
/// 교육 ~6%, 부동산 ~5%, 건설 ~5%, 예술·스포츠 ~4.5%, 운수 ~4%, …) split over their
/// usual divisions. The shared data has no owner-side industry data, so this one is
/// hard-coded; the 5-digit code inside a division is uniform over `data/ksic11.csv`.
pub(crate) const KSIC_DIVISIONS: &[(&str, f64)] = &[
    ("47", 18.0), // 소매업
    ("56", 17.5), // 음식점 및 주점업
    ("46", 9.0),  // 도매 및 상품 중개업
    ("96", 8.0),  // 기타 개인 서비스업 (미용, 세탁 …)
    ("85", 6.0),  // 교육 서비스업
    ("68", 5.0),  // 부동산업
    ("42", 4.0),  // 전문직별 공사업
    ("49", 3.5),  // 육상 운송업
    ("45", 3.0),  // 자동차 및 부품 판매업
    ("91", 3.0),  // 스포츠 및 오락관련 서비스업
    ("95", 2.5),  // 개인 및 소비용품 수리업
    ("10", 2.0),  // 식료품 제조업
    ("55", 1.5),  // 숙박업
    ("25", 1.5),  // 금속가공제품 제조업
    ("90", 1.5),  // 창작, 예술 및 여가관련 서비스업
    ("41", 1.0),  // 종합 건설업
    ("14", 1.0),  // 의복 제조업
    ("29", 1.0),  // 기타 기계 및 장비 제조업
    ("71", 1.0),  // 전문 서비스업
    ("73", 1.0),  // 기타 전문, 과학 및 기술 서비스업
    ("75", 1.0),  // 사업 지원 서비스업
    ("01", 1.0),  // 농업
    ("62", 0.6),  // 컴퓨터 프로그래밍, 시스템 통합 및 관리업
    ("72", 0.6),  // 건축기술, 엔지니어링 …
    ("86", 0.7),  // 보건업
    ("22", 0.7),  // 고무 및 플라스틱제품 제조업
    ("18", 0.5),  // 인쇄 및 기록매체 복제업
    ("26", 0.5),  // 전자부품, 컴퓨터 … 제조업
    ("13", 0.4),  // 섬유제품 제조업
    ("52", 0.5),  // 창고 및 운송관련 서비스업
    ("74", 0.5),  // 사업시설 관리 및 조경 서비스업
    ("58", 0.3),  // 출판업
    ("59", 0.3),  // 영상·오디오 기록물 제작 및 배급업
    ("63", 0.3),  // 정보서비스업
    ("87", 0.3),  // 사회복지 서비스업
    ("20", 0.3),  // 화학물질 및 화학제품 제조업
    ("16", 0.3),  // 목재 및 나무제품 제조업
];

/// Words of titles that say nothing about a program's subject.
pub(crate) const STOP_WORDS: &str =
    "공고 모집 모집공고 지원사업 사업 지원 참여 참여기업 기업 안내 추가 \
    재공고 시행 시행공고 계획 신청 접수 선정 대상 수정 변경 연장 및 위한 통합 년도 하반기 상반기 \
    지원기업 기업모집 참가기업 참가 수요기업 공모 프로그램 사업공고 추가모집 참여기업모집 \
    입주기업 지원사업공고 모집안내 신청안내 과제 기관 공고문 사업설명회 설명회 운영 등 관련 대한 \
    공동 참가업체 업체 기업지원 지원대상 참여자 모집요강 붙임 연계 신규 중소기업 기업의 사업자 \
    이상 지원계획 사업계획 공지 재공모 공모전 전남광주 지역";

/// What subscriptions are generated from: the imported announcements' own frequencies
/// (plus the hard-coded KSIC shares).
pub(crate) struct Dists {
    pub(crate) category: Weighted<String>,
    pub(crate) subcategory: Weighted<String>,
    pub(crate) sido: Weighted<String>,
    /// 시도 2-digit code → its 시군구 codes, weighted 1 + how often the 시군구's name
    /// appears in that 시도's announcements' titles and summaries.
    pub(crate) sigungu: HashMap<String, Weighted<String>>,
    pub(crate) target: Weighted<String>,
    pub(crate) division: Weighted<String>,
    pub(crate) ksic_codes: HashMap<String, Vec<String>>,
    pub(crate) keyword: Weighted<String>,
    pub(crate) region_names: HashMap<String, String>,
}

pub(crate) fn load_dists(conn: &mut DbConnection) -> Dists {
    let rows: Vec<(String, String, String, Option<String>, String)> = announcements::table
        .select((
            announcements::id,
            announcements::title,
            announcements::summary,
            announcements::category,
            announcements::subcategories,
        ))
        .load(conn)
        .expect("announcements");
    let mut cats: BTreeMap<String, f64> = BTreeMap::new();
    let mut subs: BTreeMap<String, f64> = BTreeMap::new();
    for (_, _, _, c, s) in &rows {
        if let Some(c) = c {
            *cats.entry(c.clone()).or_default() += 1.0;
        }
        for s in serde_json::from_str::<Vec<String>>(s).unwrap_or_default() {
            *subs.entry(s).or_default() += 1.0;
        }
    }
    // 시도 of regional announcements.
    let ar: Vec<(String, String)> = announcement_regions::table
        .select((
            announcement_regions::announcement_id,
            announcement_regions::sido_code,
        ))
        .load(conn)
        .expect("announcement_regions");
    let mut sido_count: BTreeMap<String, f64> = BTreeMap::new();
    let mut sido_of_ann: HashMap<String, Vec<String>> = HashMap::new();
    for (a, s) in &ar {
        *sido_count.entry(s.clone()).or_default() += 1.0;
        sido_of_ann.entry(a.clone()).or_default().push(s.clone());
    }
    // 시군구 from the regions table (from data/regions_sigungu_20240801.csv).
    let regs: Vec<(String, String, String, String)> = regions::table
        .select((
            regions::code,
            regions::short_name,
            regions::sido_code,
            regions::level,
        ))
        .load(conn)
        .expect("regions");
    let valid_sido: HashSet<&str> = jiwon::reference::SIDO.iter().map(|(_, c)| *c).collect();
    let mut region_names: HashMap<String, String> = HashMap::new();
    let mut sgg: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (code, name, sido, level) in &regs {
        region_names.insert(code.clone(), name.clone());
        if level == "sigungu"
            && !name.trim().is_empty()
            && !name.contains("출장")
            && valid_sido.contains(sido.as_str())
        {
            sgg.entry(sido.clone())
                .or_default()
                .push((code.clone(), name.clone()));
        }
    }
    let mut mentions: HashMap<String, f64> = HashMap::new();
    for (id, title, summary, _, _) in &rows {
        let Some(sidos) = sido_of_ann.get(id) else {
            continue;
        };
        let text = format!("{title} {summary}");
        for s in sidos {
            for (code, name) in sgg.get(s).map(Vec::as_slice).unwrap_or(&[]) {
                // "수원시 장안구" → 수원; "창원시" → 창원; "종로구" → 종로구.
                let stem = name.split_whitespace().next().unwrap_or(name);
                let stem = stem
                    .strip_suffix('시')
                    .or_else(|| stem.strip_suffix('군'))
                    .filter(|s| s.chars().count() >= 2)
                    .unwrap_or(stem);
                if text.contains(stem) {
                    *mentions.entry(code.clone()).or_default() += 1.0;
                }
            }
        }
    }
    let mut sigungu = HashMap::new();
    for (sido, list) in &sgg {
        sigungu.insert(
            sido.clone(),
            Weighted::new(
                list.iter()
                    .map(|(c, _)| (c.clone(), 1.0 + mentions.get(c).copied().unwrap_or(0.0)))
                    .collect(),
            ),
        );
    }
    // Targets offered in forms, by how often announcements name them (+1: every option
    // is picked by someone).
    let targets: Vec<String> = announcement_targets::table
        .select(announcement_targets::target)
        .load(conn)
        .expect("targets");
    let mut tcount: BTreeMap<String, f64> = BTreeMap::new();
    for t in jiwon::reference::TARGET_TYPES {
        tcount.insert(t.to_string(), 1.0);
    }
    for t in targets {
        if let Some(v) = tcount.get_mut(&t) {
            *v += 1.0;
        }
    }
    // KSIC 5-digit codes by division.
    let codes: Vec<(String, i32)> = ksic::table
        .select((ksic::code, ksic::level))
        .load(conn)
        .expect("ksic");
    let mut ksic_codes: HashMap<String, Vec<String>> = HashMap::new();
    for (code, level) in codes {
        if level == 5 && code.len() == 5 {
            ksic_codes
                .entry(code[..2].to_string())
                .or_default()
                .push(code);
        }
    }
    // Keywords: the most frequent subject words of titles (document frequency).
    let sido_names: HashSet<&str> = jiwon::reference::SIDO.iter().map(|(n, _)| *n).collect();
    let stop: HashSet<&str> = STOP_WORDS.split_whitespace().collect();
    let mut df: HashMap<String, f64> = HashMap::new();
    for (_, title, _, _, _) in &rows {
        let words: HashSet<String> = title
            .split(|c: char| !c.is_alphanumeric())
            .map(|w| w.to_lowercase())
            .filter(|w| w.chars().count() >= 2)
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .filter(|w| !stop.contains(w.as_str()) && !sido_names.contains(w.as_str()))
            .collect();
        for w in words {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let mut words: Vec<(String, f64)> = df.into_iter().collect();
    words.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    words.truncate(200);

    Dists {
        category: Weighted::new(cats.into_iter().collect()),
        subcategory: Weighted::new(subs.into_iter().collect()),
        sido: Weighted::new(
            sido_count
                .into_iter()
                .filter(|(s, _)| sgg.contains_key(s))
                .collect(),
        ),
        sigungu,
        target: Weighted::new(tcount.into_iter().collect()),
        division: Weighted::new(
            KSIC_DIVISIONS
                .iter()
                .filter(|(d, _)| ksic_codes.contains_key(*d))
                .map(|(d, w)| (d.to_string(), *w))
                .collect(),
        ),
        ksic_codes,
        keyword: Weighted::new(words),
        region_names,
    }
}

// ---------------------------------------------------------------------------------------
// Subscription generator

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Shape {
    Profile,
    CategoryRegion,
    Category,
    Region,
    Keywords,
    Target,
}

impl Shape {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Shape::Profile => "profile (시군구+KSIC)",
            Shape::CategoryRegion => "category+region",
            Shape::Category => "category only",
            Shape::Region => "region only",
            Shape::Keywords => "keywords",
            Shape::Target => "target only",
        }
    }
}

/// The mix of subscription shapes (% of subscriptions).
pub(crate) const SHAPES: &[(Shape, f64)] = &[
    (Shape::Profile, 35.0),
    (Shape::CategoryRegion, 25.0),
    (Shape::Category, 15.0),
    (Shape::Region, 10.0),
    (Shape::Keywords, 10.0),
    (Shape::Target, 5.0),
];

pub(crate) const SHAPE_NOTES: &str = "\
  profile: one owner each (users + owner_profiles rows), region = a 시군구 (시도 by the data's
           regional-announcement frequency, 시군구 by 1 + mentions in that 시도's titles/summaries),
           KSIC = a 5-digit code (division by KSIC_DIVISIONS, code uniform within it);
           criteria = alerts::profile::profile_criteria (regions+ksic, profile: true);
           owner fields: business age 0–40 y (skewed young), owner born 1956–2001, 38% female,
           85% 개인사업자, employees mostly 0–4, revenue mostly < 5억
  category+region: 1 category (85%) or 2, by the data's category frequency; region 시도 (60%)
           or 시군구 (40%) as above; local_only 20%
  category only: 1 category (70%), 2 categories (15%) or 1 subcategory (15%, by frequency)
  region only: 시도 (70%) or 시군구 (30%); local_only 25%
  keywords: 1 (70%), 2 (25%) or 3 (5%) of the 200 most frequent subject words of titles
           (document frequency; stop words, years and 시도 names removed)
  target only: 1 target type (TARGET_TYPES, weighted 1 + announcements naming it)
  owners vs email-only: profile subscriptions are owners'; any other subscription belongs to
           a random earlier owner with p = 0.4, else it is an email-only subscription
  channels: owners email 65% / email+push 25% / push 5% / email+sms 5%; email-only: email
  frequency: instant 75% / daily 20% / weekly 5% (profile: instant 80% / daily 20%)";

#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) users: Vec<User>,
    pub(crate) profiles: Vec<OwnerProfile>,
    pub(crate) criteria: Vec<CriteriaRow>,
    pub(crate) terms: Vec<(String, String)>,
    pub(crate) subs: Vec<Subscription>,
}

pub(crate) struct Generator {
    pub(crate) rng: StdRng,
    pub(crate) now: NaiveDateTime,
    pub(crate) owners: Vec<String>,
    pub(crate) criteria: HashMap<String, (String, Shape)>,
    pub(crate) done: usize,
    pub(crate) terms: usize,
    pub(crate) by_shape: BTreeMap<Shape, usize>,
    pub(crate) criteria_by_shape: BTreeMap<Shape, usize>,
    pub(crate) shape: Weighted<Shape>,
}

impl Generator {
    pub(crate) fn new(now: NaiveDateTime) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(SEED),
            now,
            owners: Vec::new(),
            criteria: HashMap::new(),
            done: 0,
            terms: 0,
            by_shape: BTreeMap::new(),
            criteria_by_shape: BTreeMap::new(),
            shape: Weighted::new(SHAPES.to_vec()),
        }
    }

    pub(crate) fn region(&mut self, d: &Dists, sigungu_p: f64) -> String {
        let sido = d.sido.pick(&mut self.rng);
        if self.rng.gen_bool(sigungu_p) {
            if let Some(w) = d.sigungu.get(&sido) {
                return w.pick(&mut self.rng);
            }
        }
        format!("{sido}000")
    }

    pub(crate) fn categories(&mut self, d: &Dists, two_p: f64) -> Vec<String> {
        let mut v = vec![d.category.pick(&mut self.rng)];
        if self.rng.gen_bool(two_p) {
            v.push(d.category.pick(&mut self.rng));
        }
        v
    }

    pub(crate) fn frequency(&mut self, profile: bool) -> String {
        let x: f64 = self.rng.gen();
        if profile {
            return if x < 0.8 { "instant" } else { "daily" }.into();
        }
        if x < 0.75 {
            "instant"
        } else if x < 0.95 {
            "daily"
        } else {
            "weekly"
        }
        .into()
    }

    pub(crate) fn owner_channels(&mut self) -> Vec<&'static str> {
        let x: f64 = self.rng.gen();
        if x < 0.65 {
            vec!["email"]
        } else if x < 0.90 {
            vec!["email", "push"]
        } else if x < 0.95 {
            vec!["push"]
        } else {
            vec!["email", "sms"]
        }
    }

    pub(crate) fn new_owner(&mut self, d: &Dists, b: &mut Batch) -> (String, OwnerProfile) {
        let i = self.owners.len();
        let id = new_id();
        let now = self.now;
        b.users.push(User {
            id: id.clone(),
            email: format!("owner{i}@bench.jiwon.test"),
            password_hash: PLACEHOLDER_HASH.into(),
            display_name: format!("사장님{i}"),
            is_operator: false,
            agency_id: None,
            agency_role: None,
            active: true,
            created_at: now,
            last_login_at: None,
        });
        let rng = &mut self.rng;
        let division = d.division.pick(rng);
        let codes = &d.ksic_codes[&division];
        let ksic = codes[rng.gen_range(0..codes.len())].clone();
        let today = jiwon::clock::kst_today(now);
        let age_years: i32 = match rng.gen_range(0..100) {
            0..=24 => rng.gen_range(0..3),
            25..=54 => rng.gen_range(3..7),
            55..=79 => rng.gen_range(7..15),
            _ => rng.gen_range(15..41),
        };
        let founded = NaiveDate::from_ymd_opt(
            today.year() - age_years,
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        );
        let employees = match rng.gen_range(0..100) {
            0..=59 => rng.gen_range(0..2),
            60..=84 => rng.gen_range(2..5),
            85..=96 => rng.gen_range(5..10),
            _ => rng.gen_range(10..50),
        };
        let revenue = match rng.gen_range(0..1000) {
            0..=449 => "lt100m",
            450..=799 => "100m_500m",
            800..=899 => "500m_1b",
            900..=969 => "1b_3b",
            970..=994 => "3b_10b",
            _ => "10b_plus",
        };
        let mut p = verified_profile(&id, now);
        p.business_name = format!("사업장 {i}");
        p.ksic_code = Some(ksic);
        p.founded_on = founded;
        p.employees = Some(employees);
        p.revenue_band = Some(revenue.into());
        p.sole_proprietor = Some(rng.gen_bool(0.85));
        p.birth_year = Some(1956 + rng.gen_range(0..23) + rng.gen_range(0..23));
        p.gender = Some(if rng.gen_bool(0.38) { "female" } else { "male" }.into());
        p.phone = Some(format!("010{:08}", rng.gen_range(0..100_000_000u32)));
        p.region_code = Some(self.region(d, 1.0));
        self.owners.push(id.clone());
        (id, p)
    }

    /// One subscription (and its owner / criteria when new) into `b`.
    pub(crate) fn one(&mut self, d: &Dists, b: &mut Batch) {
        let i = self.done;
        self.done += 1;
        let shape = self.shape.pick(&mut self.rng);
        *self.by_shape.entry(shape).or_default() += 1;
        let (criteria, user_id, is_profile) = match shape {
            Shape::Profile => {
                let (id, p) = self.new_owner(d, b);
                let c = profile::profile_criteria(&p);
                b.profiles.push(p);
                (c, Some(id), true)
            }
            other => {
                let c = match other {
                    Shape::CategoryRegion => {
                        let categories = self.categories(d, 0.15);
                        let region = self.region(d, 0.4);
                        Criteria {
                            categories,
                            regions: vec![region],
                            local_only: self.rng.gen_bool(0.2),
                            ..Default::default()
                        }
                    }
                    Shape::Category => {
                        let x: f64 = self.rng.gen();
                        if x < 0.85 {
                            Criteria {
                                categories: self.categories(d, 0.15 / 0.85),
                                ..Default::default()
                            }
                        } else {
                            Criteria {
                                subcategories: vec![d.subcategory.pick(&mut self.rng)],
                                ..Default::default()
                            }
                        }
                    }
                    Shape::Region => {
                        let region = self.region(d, 0.3);
                        Criteria {
                            regions: vec![region],
                            local_only: self.rng.gen_bool(0.25),
                            ..Default::default()
                        }
                    }
                    Shape::Keywords => {
                        let k = match self.rng.gen_range(0..100) {
                            0..=69 => 1,
                            70..=94 => 2,
                            _ => 3,
                        };
                        Criteria {
                            keywords: (0..k).map(|_| d.keyword.pick(&mut self.rng)).collect(),
                            ..Default::default()
                        }
                    }
                    _ => Criteria {
                        targets: vec![d.target.pick(&mut self.rng)],
                        ..Default::default()
                    },
                }
                .canonical();
                let owner = if !self.owners.is_empty() && self.rng.gen_bool(0.4) {
                    Some(self.owners[self.rng.gen_range(0..self.owners.len())].clone())
                } else {
                    None
                };
                (c, owner, false)
            }
        };
        let hash = criteria.hash();
        let criteria_id = match self.criteria.get(&hash) {
            Some((id, _)) => id.clone(),
            None => {
                let id = new_id();
                for t in criteria.index_terms() {
                    b.terms.push((t, id.clone()));
                    self.terms += 1;
                }
                b.criteria.push(CriteriaRow {
                    id: id.clone(),
                    hash: hash.clone(),
                    spec: criteria.to_json(),
                    created_at: self.now,
                });
                self.criteria.insert(hash, (id.clone(), shape));
                *self.criteria_by_shape.entry(shape).or_default() += 1;
                id
            }
        };
        let channels: Vec<&str> = if user_id.is_some() {
            self.owner_channels()
        } else {
            vec!["email"]
        };
        let frequency = self.frequency(is_profile);
        b.subs.push(Subscription {
            id: new_id(),
            email: if user_id.is_none() {
                Some(format!("sub{i}@bench.jiwon.test"))
            } else {
                None
            },
            user_id,
            name: if is_profile {
                "내 사업에 맞는 공고".into()
            } else {
                format!("알림 {i}")
            },
            criteria_id,
            spec: criteria.to_json(),
            is_profile,
            frequency,
            channels: serde_json::to_string(&channels).expect("json"),
            status: "active".into(),
            created_at: self.now,
            confirmed_at: Some(self.now),
            updated_at: self.now,
        });
    }

    /// Generate and insert until `target` subscriptions exist.
    pub(crate) fn extend_to(&mut self, d: &Dists, path: &Path, target: usize) {
        let mut conn = gen_connection(path);
        let start = Instant::now();
        let from = self.done;
        let mut last_print = Instant::now();
        while self.done < target {
            let mut b = Batch::default();
            let end = (self.done + GEN_BATCH).min(target);
            while self.done < end {
                self.one(d, &mut b);
            }
            write_batch(&mut conn, &b);
            if last_print.elapsed() > Duration::from_secs(10) || self.done == target {
                last_print = Instant::now();
                let s = start.elapsed().as_secs_f64();
                eprintln!(
                    "    … {} / {} subscriptions ({:.0}s, {:.0}/s)",
                    n(self.done),
                    n(target),
                    s,
                    (self.done - from) as f64 / s.max(1e-9)
                );
            }
        }
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);").ok();
    }
}

pub(crate) fn write_batch(conn: &mut diesel::SqliteConnection, b: &Batch) {
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for u in &b.users {
            diesel::insert_into(users::table).values(u).execute(conn)?;
        }
        for p in &b.profiles {
            diesel::insert_into(owner_profiles::table)
                .values(p)
                .execute(conn)?;
        }
        for c in &b.criteria {
            diesel::insert_into(subscription_criteria::table)
                .values(c)
                .execute(conn)?;
        }
        for (t, c) in &b.terms {
            diesel::insert_into(criteria_terms::table)
                .values((
                    criteria_terms::term.eq(t),
                    criteria_terms::criteria_id.eq(c),
                ))
                .execute(conn)?;
        }
        for s in &b.subs {
            diesel::insert_into(subscriptions::table)
                .values(s)
                .execute(conn)?;
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("insert batch: {e}"));
}
