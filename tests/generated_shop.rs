//! A generated shop: 2,000 product pages and 500 blog posts linked from the home page before
//! anything else, policies and the order page linked only from the footer. Best-first crawling
//! must reach all four passes in under 30 requests (the default budget is 60 pages). And the
//! buried-policy shop of `examples/genshop.rs --buried`: home → category → product, with the
//! policy, cart and order links only in product pages' footer.

use std::fs;
use std::path::Path;

use siteready::rules::RuleSet;

#[path = "../examples/genshop.rs"]
mod genshop;

const FOOTER: &str = r#"<footer><a href="/policies/shipping-policy">Shipping policy</a> <a href="/policies/refund-policy">Refund policy</a> <a href="/cart">Cart</a> <a href="/pages/contact">Contact</a></footer>"#;

fn page(title: &str, body: &str) -> String {
    format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><header><a href=\"/\">Big Shop</a></header><main>{body}</main>{FOOTER}</body></html>")
}

pub fn generate(root: &Path, products: usize, posts: usize) {
    let mut home = String::from("<h1>Big Shop</h1><ul>");
    for i in 0..posts {
        home.push_str(&format!(
            "<li><a href=\"/blog/post-{i}\">Journal entry {i}</a></li>"
        ));
    }
    for i in 0..products {
        home.push_str(&format!(
            "<li><a href=\"/products/item-{i}\">Jasmine Oolong {i}</a></li>"
        ));
    }
    home.push_str("</ul>");
    fs::write(root.join("index.html"), page("Big Shop", &home)).unwrap();
    for i in 0..posts {
        let d = root.join(format!("blog/post-{i}"));
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("index.html"), page(&format!("Journal {i}"), &format!("<h1>Journal entry {i}</h1><p>Thoughts about tea, number {i}.</p><a href=\"/blog/post-{}\">next</a>", (i + 1) % posts.max(1)))).unwrap();
    }
    for i in 0..products {
        let d = root.join(format!("products/item-{i}"));
        fs::create_dir_all(&d).unwrap();
        let price = 10 + i % 90;
        let body = format!(
            "<h1>Jasmine Oolong {i}</h1><p class=price>${price}.00</p><button>Add to cart</button>\
             <script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"Product\",\"name\":\"Jasmine Oolong {i}\",\"offers\":{{\"@type\":\"Offer\",\"price\":\"{price}.00\",\"priceCurrency\":\"USD\"}}}}</script>"
        );
        fs::write(
            d.join("index.html"),
            page(&format!("Jasmine Oolong {i}"), &body),
        )
        .unwrap();
    }
    for d in [
        "policies/shipping-policy",
        "policies/refund-policy",
        "pages/contact",
    ] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(
        root.join("pages/contact/index.html"),
        page("Contact", "<h1>Contact</h1><p>hello@bigshop.example</p>"),
    )
    .unwrap();
    fs::write(root.join("policies/shipping-policy/index.html"), page("Shipping policy", "<h1>Shipping policy</h1><p>Orders ship within 2 business days. Standard shipping costs $5.00 per order and is free on orders over $50. We ship to all 50 US states; delivery takes 3–5 business days.</p>")).unwrap();
    fs::write(root.join("policies/refund-policy/index.html"), page("Refund policy", "<h1>Refund policy</h1><p>You can return unused items within 30 days of delivery for a full refund. To start a return, contact us with your order number. Return shipping costs are paid by the customer. Gift cards are non-returnable.</p>")).unwrap();
    fs::create_dir_all(root.join("cart")).unwrap();
    fs::write(
        root.join("cart/index.html"),
        page(
            "Your cart",
            "<h1>Your cart</h1><p>Item 1 — $11.00</p><a href=\"/checkout\">Check out</a>",
        ),
    )
    .unwrap();
    fs::create_dir_all(root.join("checkout")).unwrap();
    fs::write(root.join("checkout/index.html"), page("Checkout", "<h1>Checkout</h1><h2>Payment</h2><label><input type=radio name=pay> Credit card</label><label><input type=radio name=pay> PayPal</label><button>Pay now</button><script src=\"https://js.stripe.com/v3/\"></script>")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn best_first_reaches_all_four_within_default_budget() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 2000, 500);
    let rules = RuleSet::embedded().unwrap();
    let config = siteready::Config {
        rate: 0.0,
        ..siteready::Config::default()
    };
    assert_eq!(config.max_pages, 60);
    let r = siteready::audit(&dir.path().display().to_string(), &rules, &config)
        .await
        .unwrap();
    for c in r.checks.iter().filter(|c| !c.advisory) {
        assert_eq!(
            c.status,
            siteready::Status::Pass,
            "{}: {:?}",
            c.id,
            c.missing
        );
    }
    assert!(r.verdict.ready);
    assert!(
        r.crawl.pages_fetched <= 60,
        "{} pages",
        r.crawl.pages_fetched
    );
    let fetched = fetched_pages(&r);
    eprintln!(
        "pages to a verdict: {}\n{}",
        r.crawl.pages_fetched,
        fetched.join("\n")
    );
    // The requests-to-verdict target; scripts/bench-crawl.sh reports the figure against
    // breadth-first order on a larger shop.
    assert!(
        r.crawl.pages_fetched < 30,
        "{} requests to a verdict:\n{}",
        r.crawl.pages_fetched,
        fetched.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn best_first_reaches_a_verdict_when_only_product_pages_link_the_policies() {
    let dir = tempfile::tempdir().unwrap();
    genshop::buried(dir.path()).unwrap();
    let rules = RuleSet::embedded().unwrap();
    let config = siteready::Config {
        rate: 0.0,
        ..siteready::Config::default()
    };
    let r = siteready::audit(&dir.path().display().to_string(), &rules, &config)
        .await
        .unwrap();
    let fetched = fetched_pages(&r);
    for c in r.checks.iter().filter(|c| !c.advisory) {
        assert_eq!(
            c.status,
            siteready::Status::Pass,
            "{}: {:?}\n{}",
            c.id,
            c.missing,
            fetched.join("\n")
        );
    }
    assert!(r.verdict.ready);
    assert_eq!(r.crawl.stopped_by, "complete");
    // The requests-to-verdict target of the buried-policy shop; scripts/bench-crawl.sh prints
    // the figure.
    assert!(
        r.crawl.pages_fetched <= 30,
        "{} requests to a verdict:\n{}",
        r.crawl.pages_fetched,
        fetched.join("\n")
    );
}

/// The pages a crawl fetched, one `status path` line each, for failure messages.
fn fetched_pages(r: &siteready::report::Report) -> Vec<String> {
    r.crawl
        .pages
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.status,
                p.url.split('/').skip(3).collect::<Vec<_>>().join("/")
            )
        })
        .collect()
}
