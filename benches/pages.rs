//! Per-page CPU cost of the parts siteready controls: decoding, extraction, rule evaluation,
//! link ranking and scoring. Whole crawls (network, server, other crawlers) are measured by
//! `scripts/bench-crawl.sh`, never here.
//!
//! ```text
//! cargo bench --bench pages
//! ```

use std::sync::LazyLock;

use divan::{black_box, Bencher};
use siteready::check::Evidence;
use siteready::extract::{self, PageFacts};
use siteready::rules::{PageInput, RuleSet};
use url::Url;

#[path = "../examples/genshop.rs"]
mod genshop;

fn main() {
    divan::main();
}

static RULES: LazyLock<RuleSet> = LazyLock::new(|| match RuleSet::embedded() {
    Ok(r) => r,
    Err(e) => panic!("embedded rules do not compile: {e}"),
});

fn base() -> Url {
    match Url::parse("http://127.0.0.1:8080/products/green-tea-7/") {
        Ok(u) => u,
        Err(e) => panic!("{e}"),
    }
}

/// A typical product page (about 12 KB, 40 links, JSON-LD).
static PRODUCT: LazyLock<String> = LazyLock::new(|| genshop::product_page(7, 1000));
/// A 1 MB listing page (about 3,500 links).
static BIG: LazyLock<String> = LazyLock::new(|| genshop::big_page(1 << 20));

/// A Korean shop page (Cafe24-like footer and shopping guide), encoded as EUC-KR.
static EUC_KR: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut html = String::from(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"euc-kr\"><title>녹차 세트 - 한국차상점</title></head><body>",
    );
    for i in 0..40 {
        html.push_str(&format!(
            "<div class=\"item\"><a href=\"/product/detail.html?product_no={i}\">하동 유기농 녹차 {i}호</a> <span>판매가 {}원</span></div>",
            15_000 + i * 500
        ));
    }
    html.push_str(
        "<div class=\"guide\"><h3>배송 안내</h3><p>배송 지역 : 전국지역 배송 비용 : 3,000원 (50,000원 이상 구매 시 무료배송) \
         배송 기간 : 2일 ~ 5일</p><h3>교환 및 반품 안내</h3><p>상품 수령 후 7일 이내 청약철회가 가능합니다. \
         단순 변심에 의한 반품 배송비는 고객 부담입니다.</p></div>\
         <div id=\"footer\">상호 : 한국차상점 | 대표자 : 김다원 | 사업자등록번호 : 123-45-67890 | \
         통신판매업신고번호 : 제2026-서울강남-0001호 | 주소 : 서울특별시 강남구 테헤란로 1 | 전화 : 02-000-0000</div></body></html>",
    );
    let (bytes, _, _) = encoding_rs::EUC_KR.encode(&html);
    bytes.into_owned()
});

fn facts_of(html: &str) -> PageFacts {
    extract::extract(&base(), html, &RULES.selectors)
}

#[divan::bench]
fn extract_product_page(b: Bencher) {
    let html = PRODUCT.as_str();
    let url = base();
    b.counter(divan::counter::BytesCount::of_str(html))
        .bench(|| extract::extract(black_box(&url), black_box(html), &RULES.selectors));
}

#[divan::bench(sample_count = 20)]
fn extract_1mb_page(b: Bencher) {
    let html = BIG.as_str();
    let url = base();
    b.counter(divan::counter::BytesCount::of_str(html))
        .bench(|| extract::extract(black_box(&url), black_box(html), &RULES.selectors));
}

/// All page-level rules on the facts of `html`, as the crawler evaluates a fetched page.
fn evaluate(b: Bencher, html: &str) {
    let facts = facts_of(html);
    let url = base();
    b.bench(|| {
        RULES.evaluate(PageInput {
            url: black_box(&url),
            status: 200,
            facts: Some(black_box(&facts)),
            predicted: &[],
            enough: None,
        })
    });
}

#[divan::bench]
fn evaluate_product_page(b: Bencher) {
    evaluate(b, &PRODUCT);
}

#[divan::bench(sample_count = 20)]
fn evaluate_1mb_page(b: Bencher) {
    evaluate(b, &BIG);
}

/// Korean text, where the rules' literals are multi-byte.
#[divan::bench]
fn evaluate_korean_page(b: Bencher) {
    evaluate(
        b,
        &siteready::crawl::decode::decode(&EUC_KR, None, Some("kr")).text,
    );
}

#[divan::bench]
fn link_priority_1000_links(b: Bencher) {
    let facts = facts_of(&BIG);
    let links: Vec<_> = facts.links.iter().take(1000).cloned().collect();
    assert_eq!(links.len(), 1000);
    let open = vec![true; RULES.prerequisites.len()];
    b.counter(divan::counter::ItemsCount::new(links.len()))
        .bench(|| {
            links
                .iter()
                .map(|l| RULES.link_priority(black_box(l), &open).0)
                .sum::<i32>()
        });
}

#[divan::bench]
fn decode_euc_kr(b: Bencher) {
    let bytes = EUC_KR.as_slice();
    b.counter(divan::counter::BytesCount::new(bytes.len()))
        .bench(|| {
            siteready::crawl::decode::decode(
                black_box(bytes),
                Some("text/html; charset=euc-kr"),
                Some("kr"),
            )
        });
}

#[divan::bench]
fn decode_euc_kr_meta_only(b: Bencher) {
    let bytes = EUC_KR.as_slice();
    b.counter(divan::counter::BytesCount::new(bytes.len()))
        .bench(|| {
            siteready::crawl::decode::decode(black_box(bytes), Some("text/html"), Some("kr"))
        });
}

/// Evidence of 200 product pages, then one score: what the crawl loop pays after a page.
#[divan::bench]
fn score_after_200_pages(b: Bencher) {
    let mut ev = Evidence::new(&RULES);
    for i in 0..200 {
        let html = genshop::product_page(i, 200);
        let url = match Url::parse(&format!("http://127.0.0.1:8080/products/p-{i}/")) {
            Ok(u) => u,
            Err(e) => panic!("{e}"),
        };
        let facts = extract::extract(&url, &html, &RULES.selectors);
        let eval = RULES.evaluate(PageInput {
            url: &url,
            status: 200,
            facts: Some(&facts),
            predicted: &[],
            enough: None,
        });
        ev.add_page(url.as_str(), &eval, Some(&facts));
    }
    b.bench(|| {
        siteready::score::score(
            black_box(&ev),
            &siteready::score::Access::default(),
            siteready::Lang::En,
            &[],
        )
    });
}
