//! Generates a large static shop on disk, for whole-crawl benchmarks (`scripts/bench-crawl.sh`)
//! and the in-process benches: product pages with JSON-LD, paginated category listings, a blog,
//! policies, a cart and an order page with a payment step.
//!
//! ```text
//! cargo run --release --example genshop -- DIR --pages 20000   # exactly 20,000 HTML pages, all linked
//! cargo run --release --example genshop -- DIR --verdict       # 500 blog links first, policies only in the footer
//! cargo run --release --example genshop -- DIR --buried        # the same, policies only on product pages
//! ```
//!
//! The throughput layout has exactly `--pages` HTML pages, every one reachable by links from the
//! home page, and no page-requisites on the site itself (images and payment scripts live on other
//! hosts), so every crawler fetches the same set. The verdict layout answers "how many requests
//! until all four checks pass": the home page links 500 blog posts before anything else, and the
//! policy, cart and order links sit only in the footer of every page, at paths no probe guesses.
//! The buried layout hides them one level deeper, as many shops do: home → category → product,
//! and only product pages carry the policy, cart and order links in their footer.

#![allow(dead_code)] // the benches include this file for its page builders

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

const WORDS: &[&str] = &[
    "green", "black", "oolong", "jasmine", "sencha", "matcha", "roasted", "barley", "ginger",
    "lemon", "honey", "mountain", "river", "morning", "evening", "spring", "autumn", "winter",
    "summer", "golden", "silver", "smoky", "floral", "fresh", "classic", "reserve", "estate",
    "garden", "leaf", "blend", "harvest", "valley",
];

const CATEGORIES: usize = 20;
const PER_LISTING: usize = 24;
const PER_BLOG_INDEX: usize = 20;

/// A tiny deterministic generator: the same arguments give the same site, run after run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.pick(WORDS.len())]);
    }
    s
}

fn paragraph(rng: &mut Rng, sentences: usize) -> String {
    let mut s = String::from("<p>");
    for _ in 0..sentences {
        let n = 8 + rng.pick(10);
        let w = words(rng, n);
        let mut c = w.chars();
        if let Some(f) = c.next() {
            s.extend(f.to_uppercase());
            s.push_str(c.as_str());
        }
        s.push_str(". ");
    }
    s.push_str("</p>");
    s
}

fn category_name(c: usize) -> String {
    let mut rng = Rng(0x9e37_79b9 + c as u64);
    let w = words(&mut rng, 2);
    format!("{w} teas")
}

fn category_slug(c: usize) -> String {
    format!("cat-{c}-{}", category_name(c).replace(' ', "-"))
}

fn product_name(i: usize) -> String {
    let mut rng = Rng(0x51_7cc1 + i as u64 * 7919);
    let w = words(&mut rng, 3);
    let mut c = w.chars();
    let mut out = String::new();
    if let Some(f) = c.next() {
        out.extend(f.to_uppercase());
        out.push_str(c.as_str());
    }
    format!("{out} No. {i}")
}

fn product_slug(i: usize) -> String {
    format!(
        "{}-{i}",
        product_name(i)
            .to_ascii_lowercase()
            .replace(" no. ", "-")
            .replace(' ', "-")
            .trim_end_matches(char::is_numeric)
            .trim_end_matches('-')
    )
}

fn price_cents(i: usize) -> usize {
    900 + (i * 37) % 9000
}

fn money(cents: usize) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// The header every page shares: logo, search, a menu of every category.
fn header() -> String {
    let mut s = String::from(
        "<header class=\"site-header\"><a class=logo href=\"/\">Big Tea Shop</a>\
         <form action=\"/search\" method=get><input type=search name=q placeholder=\"Search teas\"></form>\
         <nav class=\"main-menu\"><ul>",
    );
    for c in 0..CATEGORIES {
        let _ = write!(
            s,
            "<li><a href=\"/collections/{}/\">{}</a></li>",
            category_slug(c),
            category_name(c)
        );
    }
    s.push_str("<li><a href=\"/blog/\">Journal</a></li><li><a href=\"/pages/about/\">About us</a></li></ul></nav></header>");
    s
}

/// The footer every page shares: policies, cart, business information.
fn footer(cart: &str, checkout: &str, shipping: &str, refund: &str) -> String {
    format!(
        "<footer class=\"site-footer\"><ul>\
         <li><a href=\"{shipping}\">Shipping policy</a></li>\
         <li><a href=\"{refund}\">Refund policy</a></li>\
         <li><a href=\"/policies/privacy-policy/\">Privacy policy</a></li>\
         <li><a href=\"/policies/terms-of-service/\">Terms of service</a></li>\
         <li><a href=\"/pages/contact/\">Contact</a></li>\
         <li><a href=\"{cart}\">Cart</a></li><li><a href=\"{checkout}\">Checkout</a></li></ul>\
         <p>Big Tea Shop Ltd. · CEO Jane Doe · Business registration 123-45-67890 · \
         12 Harbour Road, Springfield · +1 555 0100 · hello@bigtea.example</p>\
         <p>© 2026 Big Tea Shop. All rights reserved.</p></footer>"
    )
}

fn std_footer() -> String {
    footer(
        "/cart/",
        "/checkout/",
        "/policies/shipping-policy/",
        "/policies/refund-policy/",
    )
}

fn page(title: &str, description: &str, head_extra: &str, body: &str, footer: &str) -> String {
    page_with(&header(), title, description, head_extra, body, footer)
}

fn page_with(
    header: &str,
    title: &str,
    description: &str,
    head_extra: &str,
    body: &str,
    footer: &str,
) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} – Big Tea Shop</title><meta name=\"description\" content=\"{description}\">\
         <link rel=\"stylesheet\" href=\"https://cdn.bigtea.example/theme.css\">{head_extra}\
         <script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}gtag('js',new Date());</script>\
         </head><body>{}<main>{body}</main>{footer}\
         <script src=\"https://cdn.bigtea.example/theme.js\" defer></script></body></html>",
        header
    )
}

/// Product `i` of category `c`, with JSON-LD, a price, options, a description, a shipping tab,
/// reviews and links to related products (about 12 KB, like a real theme's product page).
pub fn product_page(i: usize, products: usize) -> String {
    product_page_in(i, products, CATEGORIES, &header(), &std_footer())
}

/// [`product_page`] on a site of `categories` categories (product `i` is in category
/// `i % categories`; its related products are in the same one when `products` is a multiple),
/// with that site's header and footer.
fn product_page_in(
    i: usize,
    products: usize,
    categories: usize,
    header: &str,
    footer: &str,
) -> String {
    let c = i % categories;
    let name = product_name(i);
    let price = price_cents(i);
    let mut rng = Rng(0xabcd_ef01 + i as u64 * 104_729);
    let mut body = String::with_capacity(12_000);
    let _ = write!(
        body,
        "<nav class=breadcrumb><a href=\"/\">Home</a> › <a href=\"/collections/{}/\">{}</a> › {name}</nav>\
         <div class=product><img src=\"https://cdn.bigtea.example/img/p{i}.jpg\" alt=\"{name}\">\
         <h1 class=product-title>{name}</h1><p class=price>{}</p>\
         <form action=\"/cart/add\" method=post><input type=hidden name=id value={i}>\
         <label>Size <select name=size><option>50 g</option><option>100 g</option><option>250 g</option></select></label>\
         <input type=number name=quantity value=1><button type=submit>Add to cart</button></form>",
        category_slug(c),
        category_name(c),
        money(price)
    );
    body.push_str("<section class=description><h2>Description</h2>");
    for _ in 0..4 {
        body.push_str(&paragraph(&mut rng, 4));
    }
    body.push_str("</section><section class=specs><h2>Details</h2><table>");
    for (k, v) in [
        ("Origin", "Hadong, Korea"),
        ("Harvest", "Spring 2026"),
        ("Caffeine", "Medium"),
        ("Brewing", "80 °C, 2 minutes"),
    ] {
        let _ = write!(body, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    body.push_str("</table></section><section class=shipping-tab><h2>Shipping &amp; returns</h2>\
        <p>Standard shipping costs $5.00 and is free on orders over $50. Orders ship within 2 business days \
        and are delivered in 3–5 business days. Unopened items can be returned within 30 days.</p></section>");
    body.push_str("<section class=reviews><h2>Reviews</h2>");
    for r in 0..3 {
        let _ = write!(
            body,
            "<div class=review><strong>{} stars</strong> by customer {}",
            3 + (i + r) % 3,
            rng.pick(9000)
        );
        body.push_str(&paragraph(&mut rng, 2));
        body.push_str("</div>");
    }
    body.push_str("</section><section class=related><h2>You may also like</h2><ul>");
    for k in 1..=8 {
        let j = (i + k * categories) % products.max(1);
        let _ = write!(
            body,
            "<li><a href=\"/products/{}/\">{}</a> <span class=price>{}</span></li>",
            product_slug(j),
            product_name(j),
            money(price_cents(j))
        );
    }
    body.push_str("</ul></section></div>");
    let jsonld = format!(
        "<script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"Product\",\
         \"name\":\"{name}\",\"sku\":\"BT-{i}\",\"image\":\"https://cdn.bigtea.example/img/p{i}.jpg\",\
         \"brand\":{{\"@type\":\"Brand\",\"name\":\"Big Tea\"}},\
         \"offers\":{{\"@type\":\"Offer\",\"price\":\"{}.{:02}\",\"priceCurrency\":\"USD\",\
         \"availability\":\"https://schema.org/InStock\"}}}}</script>\
         <meta property=\"og:type\" content=\"product\">",
        price / 100,
        price % 100
    );
    page_with(header, &name, &name, &jsonld, &body, footer)
}

/// A page of about `bytes` bytes (a huge category listing), for the per-page cost ceiling.
pub fn big_page(bytes: usize) -> String {
    let mut body = String::from("<h1>All teas</h1><ul class=grid>");
    let mut i = 0;
    let products = bytes / 200 + 1;
    while body.len() < bytes {
        let _ = write!(
            body,
            "<li class=card><a href=\"/products/{}/\"><img src=\"https://cdn.bigtea.example/img/p{i}.jpg\" alt=\"\">\
             <span class=name>{}</span></a> <span class=price>{}</span></li>",
            product_slug(i % products),
            product_name(i % products),
            money(price_cents(i))
        );
        i += 1;
    }
    body.push_str("</ul>");
    page("All teas", "Every tea we sell", "", &body, &std_footer())
}

/// Page `n` (1-based) of a paginated index, with a window of page links and a next link.
fn pager(base: &str, n: usize, pages: usize) -> String {
    let link = |k: usize| {
        if k == 1 {
            base.to_string()
        } else {
            format!("{base}page/{k}/")
        }
    };
    let mut s = String::from("<nav class=pagination>");
    let lo = n.saturating_sub(10).max(1);
    let hi = (n + 10).min(pages);
    for k in lo..=hi {
        if k == n {
            let _ = write!(s, "<span class=current>{k}</span> ");
        } else {
            let _ = write!(s, "<a href=\"{}\">{k}</a> ", link(k));
        }
    }
    if n < pages {
        let _ = write!(s, "<a rel=next href=\"{}\">Next</a>", link(n + 1));
    }
    s.push_str("</nav>");
    s
}

fn write_page(root: &Path, path: &str, html: &str) -> io::Result<()> {
    let d = root.join(path.trim_matches('/'));
    fs::create_dir_all(&d)?;
    fs::write(d.join("index.html"), html)
}

fn post_slug(b: usize) -> String {
    let mut rng = Rng(0x7f4a_7c15 + b as u64 * 31);
    format!("{}-{b}", words(&mut rng, 4).replace(' ', "-"))
}

fn blog_post(header: &str, b: usize, posts: usize, products: usize, footer: &str) -> String {
    let mut rng = Rng(0x1234_5678 + b as u64 * 613);
    let title = format!("Tea notes: {}", words(&mut rng, 4));
    let mut body = format!("<article><h1>{title}</h1><p class=meta>Posted by the Big Tea team</p>");
    for _ in 0..5 {
        body.push_str(&paragraph(&mut rng, 5));
    }
    body.push_str("<h2>Teas in this story</h2><ul>");
    for k in 0..2 {
        let j = (b * 7 + k * 13) % products.max(1);
        let _ = write!(
            body,
            "<li><a href=\"/products/{}/\">{}</a></li>",
            product_slug(j),
            product_name(j)
        );
    }
    body.push_str("</ul><h2>More from the journal</h2><ul>");
    for k in 1..=3 {
        let j = (b + k) % posts.max(1);
        let _ = write!(
            body,
            "<li><a href=\"/blog/{}/\">Story {j}</a></li>",
            post_slug(j)
        );
    }
    body.push_str("</ul></article>");
    page_with(header, &title, &title, "", &body, footer)
}

fn policy_pages(
    root: &Path,
    header: &str,
    shipping: &str,
    refund: &str,
    footer: &str,
) -> io::Result<()> {
    write_page(root, shipping, &page_with(header, "Shipping policy", "Shipping policy", "",
        "<h1>Shipping policy</h1><p>Orders ship within 2 business days. Standard shipping costs $5.00 per order \
         and is free on orders over $50. We ship to all 50 US states and Canada; delivery takes 3–5 business days.</p>\
         <p>Express delivery (1–2 business days) costs $15.00.</p>", footer))?;
    write_page(root, refund, &page_with(header, "Refund policy", "Refund policy", "",
        "<h1>Refund policy</h1><p>You can return unused items within 30 days of delivery for a full refund. \
         To start a return, contact us with your order number. Return shipping costs are paid by the customer \
         unless the item arrived damaged. Opened tea and gift cards are non-returnable.</p>\
         <p>Orders can be cancelled free of charge until they ship.</p>", footer))?;
    Ok(())
}

fn order_pages(
    root: &Path,
    header: &str,
    cart: &str,
    checkout: &str,
    footer: &str,
) -> io::Result<()> {
    write_page(
        root,
        cart,
        &page_with(
            header,
            "Your cart",
            "Your cart",
            "",
            &format!(
                "<h1>Your cart</h1><table><tr><td>{}</td><td>{}</td></tr></table>\
             <a class=button href=\"{checkout}\">Check out</a>",
                product_name(1),
                money(price_cents(1))
            ),
            footer,
        ),
    )?;
    write_page(root, checkout, &page_with(header, "Checkout", "Checkout", "",
        "<h1>Checkout</h1><form action=\"/orders\" method=post><h2>Shipping address</h2>\
         <input name=name placeholder=\"Full name\"><input name=address placeholder=\"Address\">\
         <h2>Payment</h2><label><input type=radio name=payment value=card checked> Credit card</label>\
         <label><input type=radio name=payment value=paypal> PayPal</label>\
         <button type=submit>Pay now</button></form>\
         <script src=\"https://js.stripe.com/v3/\"></script>", footer))
}

/// How many HTML pages the throughput layout has for `products` and `posts`.
fn total(products: usize, posts: usize, extra: usize) -> usize {
    let listings: usize = (0..CATEGORIES)
        .map(|c| {
            let n = products / CATEGORIES + usize::from(c < products % CATEGORIES);
            n.div_ceil(PER_LISTING).max(1)
        })
        .sum();
    let blog_index = posts.div_ceil(PER_BLOG_INDEX).max(1);
    // home, 4 policies, about, contact, cart, checkout
    9 + listings + products + posts + blog_index + extra
}

/// Writes the throughput layout with exactly `pages` HTML pages (at least 200).
pub fn throughput(root: &Path, pages: usize) -> io::Result<usize> {
    let pages = pages.max(200);
    let posts = pages / 10;
    let mut products = (pages - total(0, posts, 0)) * PER_LISTING / (PER_LISTING + 1);
    while total(products + 1, posts, 0) <= pages {
        products += 1;
    }
    let extra = pages - total(products, posts, 0);
    let footer = std_footer();

    let mut home = String::from("<section class=hero><h1>Big Tea Shop</h1><p>Single-estate teas, shipped fresh.</p></section><h2>Shop by category</h2><ul class=categories>");
    for c in 0..CATEGORIES {
        let _ = write!(
            home,
            "<li><a href=\"/collections/{}/\">{}</a></li>",
            category_slug(c),
            category_name(c)
        );
    }
    home.push_str("</ul><h2>Best sellers</h2><ul class=grid>");
    for i in 0..12.min(products) {
        let _ = write!(
            home,
            "<li><a href=\"/products/{}/\">{}</a> {}</li>",
            product_slug(i),
            product_name(i),
            money(price_cents(i))
        );
    }
    home.push_str("</ul>");
    write_page(root, "/", &page("Home", "Big Tea Shop", "", &home, &footer))?;

    for c in 0..CATEGORIES {
        let mine: Vec<usize> = (0..products).filter(|i| i % CATEGORIES == c).collect();
        let n = mine.len().div_ceil(PER_LISTING).max(1);
        let base = format!("/collections/{}/", category_slug(c));
        for p in 1..=n {
            let mut body = format!(
                "<h1>{}</h1><p>Page {p} of {n}</p><ul class=grid>",
                category_name(c)
            );
            for &i in mine.iter().skip((p - 1) * PER_LISTING).take(PER_LISTING) {
                let _ = write!(
                    body,
                    "<li class=card><a href=\"/products/{}/\"><img src=\"https://cdn.bigtea.example/img/p{i}.jpg\" alt=\"\">{}</a> <span class=price>{}</span></li>",
                    product_slug(i),
                    product_name(i),
                    money(price_cents(i))
                );
            }
            body.push_str("</ul>");
            body.push_str(&pager(&base, p, n));
            let path = if p == 1 {
                base.clone()
            } else {
                format!("{base}page/{p}/")
            };
            write_page(
                root,
                &path,
                &page(&category_name(c), "Category", "", &body, &footer),
            )?;
        }
    }
    for i in 0..products {
        write_page(
            root,
            &format!("/products/{}/", product_slug(i)),
            &product_page(i, products),
        )?;
    }
    let n = posts.div_ceil(PER_BLOG_INDEX).max(1);
    for p in 1..=n {
        let mut body = format!("<h1>Journal</h1><p>Page {p} of {n}</p><ul>");
        for b in ((p - 1) * PER_BLOG_INDEX..posts).take(PER_BLOG_INDEX) {
            let _ = write!(
                body,
                "<li><a href=\"/blog/{}/\">Story {b}</a></li>",
                post_slug(b)
            );
        }
        body.push_str("</ul>");
        body.push_str(&pager("/blog/", p, n));
        let path = if p == 1 {
            "/blog/".to_string()
        } else {
            format!("/blog/page/{p}/")
        };
        write_page(root, &path, &page("Journal", "Journal", "", &body, &footer))?;
    }
    for b in 0..posts {
        write_page(
            root,
            &format!("/blog/{}/", post_slug(b)),
            &blog_post(&header(), b, posts, products, &footer),
        )?;
    }
    policy_pages(
        root,
        &header(),
        "/policies/shipping-policy/",
        "/policies/refund-policy/",
        &footer,
    )?;
    for (path, title) in [
        ("/policies/privacy-policy/", "Privacy policy"),
        ("/policies/terms-of-service/", "Terms of service"),
    ] {
        let mut rng = Rng(path.len() as u64 * 7_777);
        let body = format!(
            "<h1>{title}</h1>{}{}",
            paragraph(&mut rng, 6),
            paragraph(&mut rng, 6)
        );
        write_page(root, path, &page(title, title, "", &body, &footer))?;
    }
    let mut about = String::from(
        "<h1>About us</h1><p>We have sourced tea from small gardens since 2009.</p><ul>",
    );
    for k in 0..extra {
        let _ = write!(
            about,
            "<li><a href=\"/pages/faq-{k}/\">Question {k}</a></li>"
        );
        write_page(
            root,
            &format!("/pages/faq-{k}/"),
            &page(
                "FAQ",
                "FAQ",
                "",
                "<h1>Frequently asked</h1><p>Yes, we ship tea.</p>",
                &footer,
            ),
        )?;
    }
    about.push_str("</ul>");
    write_page(
        root,
        "/pages/about/",
        &page("About us", "About", "", &about, &footer),
    )?;
    write_page(root, "/pages/contact/", &page("Contact", "Contact", "",
        "<h1>Contact</h1><p>Email hello@bigtea.example or call +1 555 0100, Monday to Friday 9–17.</p>", &footer))?;
    order_pages(root, &header(), "/cart/", "/checkout/", &footer)?;
    Ok(total(products, posts, extra))
}

/// The footer of the verdict and buried layouts: policy, cart and order links at paths no
/// platform probe guesses.
fn unguessed_footer() -> String {
    footer(
        "/basket/",
        "/order-form/",
        "/pages/delivery-information/",
        "/pages/returns-and-refunds/",
    )
}

/// The start of a home page that links `posts` blog posts before anything else.
fn journal_home(posts: usize) -> String {
    let mut home = String::from("<h1>Big Tea Shop</h1><h2>From the journal</h2><ul>");
    for b in 0..posts {
        let _ = write!(
            home,
            "<li><a href=\"/blog/{}/\">Story {b}</a></li>",
            post_slug(b)
        );
    }
    home
}

/// Writes the verdict layout: the home page links 500 blog posts, then 200 products; the policy,
/// cart and order links sit only in the footer, at paths no platform probe guesses.
pub fn verdict(root: &Path) -> io::Result<usize> {
    let (posts, products) = (500, 200);
    let footer = unguessed_footer();
    let mut home = journal_home(posts);
    home.push_str("</ul><h2>Our teas</h2><ul>");
    for i in 0..products {
        let _ = write!(
            home,
            "<li><a href=\"/products/{}/\">{}</a></li>",
            product_slug(i),
            product_name(i)
        );
    }
    home.push_str("</ul>");
    write_page(root, "/", &page("Home", "Big Tea Shop", "", &home, &footer))?;
    for b in 0..posts {
        write_page(
            root,
            &format!("/blog/{}/", post_slug(b)),
            &blog_post(&header(), b, posts, products, &footer),
        )?;
    }
    for i in 0..products {
        // Same product page, but with this layout's footer.
        let html = product_page(i, products).replace(&std_footer(), &footer);
        write_page(root, &format!("/products/{}/", product_slug(i)), &html)?;
    }
    policy_pages(
        root,
        &header(),
        "/pages/delivery-information/",
        "/pages/returns-and-refunds/",
        &footer,
    )?;
    order_pages(root, &header(), "/basket/", "/order-form/", &footer)?;
    write_page(
        root,
        "/pages/contact/",
        &page(
            "Contact",
            "Contact",
            "",
            "<h1>Contact</h1><p>Email hello@bigtea.example or call +1 555 0100.</p>",
            &footer,
        ),
    )?;
    Ok(1 + posts + products + 5)
}

/// Categories of the buried layout: a handful, as small shops have.
const BURIED_CATEGORIES: usize = 6;

/// The header of the buried layout: logo and search, no menu (the categories are linked from
/// the home page only, after the journal).
fn buried_header() -> String {
    "<header class=\"site-header\"><a class=logo href=\"/\">Big Tea Shop</a>\
     <form action=\"/search\" method=get><input type=search name=q placeholder=\"Search teas\"></form></header>"
        .to_string()
}

/// The footer of the home page, the blog and the category pages in the buried layout: contact
/// and business information, no policy, cart or order link.
fn buried_plain_footer() -> String {
    "<footer class=\"site-footer\"><ul><li><a href=\"/pages/contact/\">Contact</a></li></ul>\
     <p>Big Tea Shop Ltd. · CEO Jane Doe · Business registration 123-45-67890 · \
     12 Harbour Road, Springfield · +1 555 0100 · hello@bigtea.example</p>\
     <p>© 2026 Big Tea Shop. All rights reserved.</p></footer>"
        .to_string()
}

/// Writes the buried layout: the home page links 500 blog posts, then a handful of category
/// pages; category pages link the products; only product pages carry, in their footer, the
/// links to the shipping and refund policies, the cart and the order form (at paths no platform
/// probe guesses). Blog posts link products and other posts, never a policy or the cart.
pub fn buried(root: &Path) -> io::Result<usize> {
    let (posts, categories) = (500, BURIED_CATEGORIES);
    let products = categories * 20;
    let header = buried_header();
    let plain = buried_plain_footer();
    let footer = unguessed_footer();
    let mut home = journal_home(posts);
    home.push_str("</ul><h2>Shop by category</h2><ul class=categories>");
    for c in 0..categories {
        let _ = write!(
            home,
            "<li><a href=\"/collections/{}/\">{}</a></li>",
            category_slug(c),
            category_name(c)
        );
    }
    home.push_str("</ul>");
    write_page(
        root,
        "/",
        &page_with(&header, "Home", "Big Tea Shop", "", &home, &plain),
    )?;
    for b in 0..posts {
        write_page(
            root,
            &format!("/blog/{}/", post_slug(b)),
            &blog_post(&header, b, posts, products, &plain),
        )?;
    }
    for c in 0..categories {
        let mut body = format!("<h1>{}</h1><ul class=grid>", category_name(c));
        for i in (c..products).step_by(categories) {
            let _ = write!(
                body,
                "<li class=card><a href=\"/products/{}/\"><img src=\"https://cdn.bigtea.example/img/p{i}.jpg\" alt=\"\">{}</a> <span class=price>{}</span></li>",
                product_slug(i),
                product_name(i),
                money(price_cents(i))
            );
        }
        body.push_str("</ul>");
        write_page(
            root,
            &format!("/collections/{}/", category_slug(c)),
            &page_with(&header, &category_name(c), "Category", "", &body, &plain),
        )?;
    }
    for i in 0..products {
        write_page(
            root,
            &format!("/products/{}/", product_slug(i)),
            &product_page_in(i, products, categories, &header, &footer),
        )?;
    }
    policy_pages(
        root,
        &header,
        "/pages/delivery-information/",
        "/pages/returns-and-refunds/",
        &footer,
    )?;
    order_pages(root, &header, "/basket/", "/order-form/", &footer)?;
    write_page(
        root,
        "/pages/contact/",
        &page_with(
            &header,
            "Contact",
            "Contact",
            "",
            "<h1>Contact</h1><p>Email hello@bigtea.example or call +1 555 0100.</p>",
            &plain,
        ),
    )?;
    Ok(1 + posts + categories + products + 5)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: genshop DIR (--pages N | --verdict | --buried)";
    let Some(dir) = args.first() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let root = Path::new(dir);
    if let Err(e) = fs::create_dir_all(root) {
        eprintln!("genshop: {dir}: {e}");
        std::process::exit(2);
    }
    let result = match args.get(1).map(String::as_str) {
        Some("--verdict") => verdict(root),
        Some("--buried") => buried(root),
        Some("--pages") => match args.get(2).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => throughput(root, n),
            None => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    match result {
        Ok(n) => println!("{n}"),
        Err(e) => {
            eprintln!("genshop: {dir}: {e}");
            std::process::exit(1);
        }
    }
}
