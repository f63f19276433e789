use super::*;

fn facts(html: &str) -> PageFacts {
    let base = Url::parse("https://shop.example/products/a").unwrap();
    extract(&base, html, &[])
}

#[test]
fn title_headings_text_and_areas() {
    let f = facts(
        r#"<html lang="ko"><head><title> 상품 </title><style>.x{}</style><script>var a=1;</script></head>
        <body><nav><a href="/cart">장바구니</a></nav><h1>모달 <b>이불</b></h1><p>판매가 79,000원</p>
        <div id="footer"><a href="/shopinfo/guide.html">이용안내</a> 사업자등록번호 123-45-67890</div></body></html>"#,
    );
    assert_eq!(f.lang.as_deref(), Some("ko"));
    assert_eq!(f.title, "상품");
    assert_eq!(f.headings, vec!["모달 이불"]);
    assert!(f.text.contains("판매가 79,000원"));
    assert!(!f.text.contains("var a"), "script text is not visible text");
    assert!(f.inline_script.contains("var a=1"));
    assert!(f.footer_text.contains("사업자등록번호"));
    let cart = f.links.iter().find(|l| l.url.path() == "/cart").unwrap();
    assert_eq!((cart.text.as_str(), cart.area), ("장바구니", Area::Nav));
    let guide = f
        .links
        .iter()
        .find(|l| l.url.path() == "/shopinfo/guide.html")
        .unwrap();
    assert_eq!(guide.area, Area::Footer);
}

#[test]
fn links_skip_other_schemes_and_keep_alt_text() {
    let f = facts(
        r#"<a href="javascript:alert(1)">x</a><a href="mailto:a@b.c">m</a><a href="data:text/html,hi">d</a>
        <a href="../refund#top"><img alt="Refund policy"></a>"#,
    );
    assert_eq!(f.links.len(), 1);
    assert_eq!(f.links[0].url.as_str(), "https://shop.example/refund");
    assert_eq!(f.links[0].text, "Refund policy");
}

#[test]
fn jsonld_graph_microdata_and_og_products() {
    let f = facts(
        r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Product","name":"Tea","offers":{"@type":"Offer","price":"12.50","priceCurrency":"USD"}}]}</script>
        <script type="application/ld+json">{not json</script>
        <div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Mug</span>
          <div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="24.00"></div></div>
        <meta property="og:type" content="product"><meta property="og:title" content="Pot"><meta property="product:price:amount" content="30">"#,
    );
    assert_eq!(f.jsonld_errors, 1);
    let names: Vec<&str> = f.products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["Tea", "Mug", "Pot"]);
    assert_eq!(f.products[0].price, Some(12.5));
    assert_eq!(f.products[1].price, Some(24.0));
    assert_eq!(f.products[2].source, "opengraph");
}

#[test]
fn forms_buttons_scripts() {
    let f = facts(
        r#"<form action="/order" method="POST"><input type="radio" name="pay" value="card"><label>신용카드</label>
        <input type="password" name="pw"><button type="submit">결제하기</button></form>
        <script src="https://cdn.iamport.kr/v1/iamport.js"></script>"#,
    );
    assert_eq!(f.forms.len(), 1);
    assert_eq!(f.forms[0].method, "post");
    assert!(f.forms[0].inputs.iter().any(|i| i.kind == "password"));
    assert_eq!(f.buttons, vec!["결제하기"]);
    assert_eq!(f.scripts, vec!["https://cdn.iamport.kr/v1/iamport.js"]);
}

#[test]
fn hostile_markup_is_survived() {
    let deep = "<div>".repeat(3_000) + "deep text" + &"</div>".repeat(3_000);
    let f = facts(&deep);
    assert!(f.text.contains("deep text"));
    let many: String = (0..20_000)
        .map(|i| format!("<a href=\"/p{i}\">p</a>"))
        .collect();
    let f = facts(&many);
    assert_eq!(f.links.len(), MAX_LINKS);
    assert!(f.links_truncated);
    let f = facts("<p>nul\u{0} and \u{FFFD} bytes</p></title></p><<<>>>");
    assert_eq!(f.replacement_chars, 1);
}

#[test]
fn snippets_are_bounded_and_centred() {
    let text = format!("{} 배송비 3,000원 {}", "가".repeat(500), "나".repeat(500));
    let start = text.find("배송비").unwrap();
    let s = snippet_around(&text, start, start + "배송비 3,000원".len(), 200);
    assert!(s.chars().count() <= 200);
    assert!(s.contains("배송비 3,000원"));
    assert!(s.starts_with('가') && s.ends_with('나'));
}

#[test]
fn prices_parse_in_local_formats() {
    assert_eq!(parse_price("29,000원"), Some(29000.0));
    assert_eq!(parse_price("Rp 125.000"), Some(125000.0));
    assert_eq!(parse_price("350.000₫"), Some(350000.0));
    assert_eq!(parse_price("$1,299.00"), Some(1299.0));
    assert_eq!(parse_price("€19,90"), Some(19.9));
    assert_eq!(parse_price("NT$1,280"), Some(1280.0));
}

#[test]
fn prices_parse_as_the_plain_string_rewrite_does() {
    // The definition, with a string per step.
    fn reference(s: &str) -> Option<f64> {
        let t: String = s
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
            .collect();
        if t.is_empty() {
            return None;
        }
        let dots = t.matches('.').count();
        let commas = t.matches(',').count();
        let cleaned = if dots > 1
            || (dots == 1
                && commas == 0
                && t.rsplit('.').next().map(|x| x.len()) == Some(3)
                && t.len() > 4)
        {
            t.replace(['.', ','], "")
        } else if commas == 1 && dots == 0 && t.rsplit(',').next().map(|x| x.len()) != Some(3) {
            t.replace(',', ".")
        } else {
            t.replace(',', "")
        };
        cleaned.parse().ok()
    }
    let long = "9".repeat(100) + ".5";
    let cases = [
        "",
        "원",
        "0",
        "1.5",
        "1.500",
        "11.500",
        "1,5",
        "1,500",
        "1,50",
        "12,345,678",
        "1.234.567",
        "1,234.56",
        "1.234,56",
        "₩ 29,000",
        "$ 9.99 USD",
        ".",
        ",",
        ".,",
        "1..2",
        "1,,2",
        ",5",
        "5,",
        "000.000",
        "1 234,5",
        "Rp 1.250.000,-",
        "¥1,200",
        "12.3456",
        &long,
    ];
    for c in cases {
        assert_eq!(parse_price(c), reference(c), "{c:?}");
    }
}

#[test]
fn whitespace_is_collapsed_and_counted_piece_by_piece() {
    fn naive(s: &str) -> String {
        let mut out = String::new();
        let mut space = false;
        for c in s.chars() {
            if c.is_whitespace() || c == '\u{0}' || c == '\u{200b}' {
                space = true;
            } else {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c);
            }
        }
        out
    }
    let samples = [
        "",
        "   ",
        "a",
        "  배송비\u{3000}3,000원 \u{a0}\u{85}x\u{2028}y\u{200b}z\u{0}w ",
        "\u{1680}€ 19,90\u{202f}—\u{205f}😀\t\r\n\u{b}\u{c}end",
        "\u{1c}\u{1d}kept\u{2003}\u{200a}\u{200c}",
        "Home › Teas · 80 °C – 2 min “quoted” …",
        "ア イ\u{3000}ウ · 配送料",
        " lead",
        "trail ",
        "two  spaces",
        "a\u{a0}b\u{85}c\u{1680}d\u{202f}e\u{205f}f\u{2028}g",
    ];
    for s in samples {
        let want = naive(s);
        assert_eq!(collapse_ws(s), want, "{s:?}");
        // Streamed in two pieces split anywhere: the same text, and the characters counted.
        for (at, _) in s.char_indices().chain([(s.len(), ' ')]) {
            let mut out = String::new();
            let n =
                text::push_collapsed(&mut out, &s[..at]) + text::push_collapsed(&mut out, &s[at..]);
            text::trim_end_space(&mut out);
            assert_eq!(out, want, "{s:?} split at {at}");
            assert_eq!(n, want.chars().filter(|c| *c != ' ').count(), "{s:?}");
        }
    }
}

#[test]
fn areas_come_from_tags_ids_and_classes_in_any_case() {
    assert_eq!(area_of("footer", None, None), Some(Area::Footer));
    assert_eq!(area_of("div", Some("Foot"), None), Some(Area::Footer));
    assert_eq!(
        area_of("div", None, Some("xans-layout FOOT main")),
        Some(Area::Footer)
    );
    assert_eq!(
        area_of("div", Some("site-Footer-wrap"), None),
        Some(Area::Footer)
    );
    assert_eq!(area_of("div", Some("footnote"), None), None);
    assert_eq!(area_of("div", None, Some("top GNB")), Some(Area::Nav));
    assert_eq!(area_of("ul", None, Some("menu-list")), Some(Area::Nav));
    assert_eq!(area_of("div", Some("content"), Some("product")), None);
}

#[test]
fn base_href_changes_how_links_resolve() {
    let f = facts(
        r#"<head><BASE href="https://shop.example/kr/"><script>var s = "<base href='/no/'>";</script></head>
        <a href="policy/refund">Refund</a><base href="/ignored/">"#,
    );
    assert_eq!(
        f.links[0].url.as_str(),
        "https://shop.example/kr/policy/refund"
    );
    let f = facts(r#"<script>"<base href='/no/'>"</script><a href="x">x</a>"#);
    assert_eq!(f.links[0].url.as_str(), "https://shop.example/products/x");
    let f = facts(r#"<base href="javascript:alert(1)"><a href="x">x</a>"#);
    assert_eq!(f.links[0].url.as_str(), "https://shop.example/products/x");
}

#[test]
fn attribute_floods_and_tag_floods_are_read_in_part_and_reported() {
    let mut page = String::from("<a href=\"/refund\" ");
    for i in 0..100_000 {
        page.push_str(&format!("a{i}=\"1\" "));
    }
    page.push_str("title=\"late\">Refund</a><p>after the flood</p>");
    let f = facts(&page);
    assert_eq!(f.links.len(), 1);
    assert_eq!(f.links[0].url.path(), "/refund");
    assert_eq!(f.links[0].text, "Refund");
    assert!(f.text.contains("after the flood"));
    let capped = f.markup_capped.unwrap_or_default();
    assert!(capped.contains("1 attribute lists cut"), "{capped}");
    assert!(capped.contains("nothing cut"), "{capped}");

    let mut page = "<br>".repeat(tokens::MAX_TAGS + 10);
    page.push_str("<p>never read</p>");
    let f = facts(&page);
    assert!(!f.text.contains("never read"));
    let capped = f.markup_capped.unwrap_or_default();
    let at = 4 * (tokens::MAX_TAGS + 1);
    assert!(
        capped.contains(&format!("document cut at byte {at} (too many tags)")),
        "{capped}"
    );
}

#[test]
fn base_tags_are_found_in_any_case_and_spacing() {
    assert!(may_have_base("<BASE\thref=/x/>"));
    assert!(may_have_base("<p>x</p><base/>"));
    assert!(
        may_have_base("<script>'<base>'</script>"),
        "checked again by the walk"
    );
    assert!(!may_have_base("<basement href=/x/><a href=b>b</a>"));
    assert!(!may_have_base("<p>base</p><"));
    let f = facts(r#"<basefont href="/no/"><a href="x">x</a>"#);
    assert_eq!(f.links[0].url.as_str(), "https://shop.example/products/x");
}

fn cards_of(f: &PageFacts) -> Vec<(String, f64)> {
    products_of(f, "listing")
}

/// The products of one source, as (name, price); -1 for no price.
fn products_of(f: &PageFacts, source: &str) -> Vec<(String, f64)> {
    f.products
        .iter()
        .filter(|p| p.source == source)
        .map(|p| (p.name.clone(), p.price.unwrap_or(-1.0)))
        .collect()
}

#[test]
fn cafe24_cards_skip_hidden_labels_join_split_prices_and_skip_old_prices() {
    let card = |n: &str, p: &str| {
        format!(
            r#"<li class="xans-record-"><div class="thumbnail"><a href="/p"><img alt=""></a></div>
            <strong class="name"><a href="/p"><span class="title displaynone">상품명</span> : <span>{n}</span></a></strong>
            <ul><li><del>99,000원</del></li><li class="price"><span class="title displaynone">판매가</span> <span>{p}</span><span>원</span></li></ul></li>"#
        )
    };
    let html = format!(
        r#"<p class="banner">무료배송 50,000원 이상</p><ul class="prdList">{}{}{}</ul><div id="footer">배송비 3,000원</div>"#,
        card("청자 찻잔", "16,000"),
        card("백자 밥공기", "8,500"),
        card("유기 수저", "42,000")
    );
    assert_eq!(
        cards_of(&facts(&html)),
        vec![
            ("청자 찻잔".to_string(), 16000.0),
            ("백자 밥공기".to_string(), 8500.0),
            ("유기 수저".to_string(), 42000.0)
        ]
    );
}

#[test]
fn cafe24_visible_field_labels_are_not_names() {
    let html = r#"<ul class="prdList"><li><strong class="name"><a href="/a"><span class="title">상품명</span> : <span>머그컵</span></a></strong><span>18,000원</span></li>
        <li><strong class="name"><a href="/b"><span class="title">상품명</span> : <span>도마</span></a></strong><span>32,000원</span></li></ul>"#;
    assert_eq!(
        cards_of(&facts(html)),
        vec![
            ("머그컵".to_string(), 18000.0),
            ("도마".to_string(), 32000.0)
        ]
    );
}

#[test]
fn woocommerce_and_shopify_cards() {
    let woo = r#"<ul class="products"><li class="product"><a class="woocommerce-LoopProduct-link" href="/product/a/"><img alt="a"><h2 class="woocommerce-loop-product__title">Linen Apron</h2><span class="price"><del>$50.00</del> <ins>$40.00</ins></span></a><a class="button">Add to cart</a></li>
        <li class="product"><a href="/product/b/"><h2 class="woocommerce-loop-product__title">Oak Board</h2><span class="price">$25.00</span></a><a class="button">Add to cart</a></li></ul>"#;
    assert_eq!(
        cards_of(&facts(woo)),
        vec![
            ("Linen Apron".to_string(), 40.0),
            ("Oak Board".to_string(), 25.0)
        ]
    );
    let shopify = r#"<ul class="grid product-grid"><li class="grid__item"><div class="card"><h3 class="card__heading"><a href="/products/wings">Chicken Wings</a></h3>
        <div class="price"><span class="visually-hidden">Regular price</span><span class="price-item">From £4.95 GBP</span></div></div></li>
        <li class="grid__item"><div class="card"><h3 class="card__heading"><a href="/products/ribs">Pork Ribs</a></h3><div class="price"><span class="price-item">£12.95 GBP</span></div></div></li></ul>"#;
    assert_eq!(
        cards_of(&facts(shopify)),
        vec![
            ("Chicken Wings".to_string(), 4.95),
            ("Pork Ribs".to_string(), 12.95)
        ]
    );
}

#[test]
fn a_lone_priced_block_or_plain_rows_are_not_a_grid() {
    // One featured block is not a grid; rows whose only name is plain text need three.
    let one = r#"<div class="hero"><h2>Summer sale</h2><p>Everything from $9.99</p></div>"#;
    assert!(cards_of(&facts(one)).is_empty());
    let two_rows = r#"<table><tr><td>Standard</td><td>$5.00</td></tr><tr><td>Express</td><td>$15.00</td></tr></table>"#;
    assert!(cards_of(&facts(two_rows)).is_empty());
}

#[test]
fn a_detail_page_is_read_off_its_h1_and_price_slot() {
    let html = r#"<div class="banner">FREE Shipping on Orders Above ₹999</div><h1>Brass Bansuri</h1>
        <div class="product-price-box"><div class="product-mrp">MRP <span>₹100</span></div><div class="product-price">₹79</div></div>"#;
    let f = facts(html);
    let d: Vec<_> = f.products.iter().filter(|p| p.source == "detail").collect();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].name.as_str(), d[0].price),
        ("Brass Bansuri", Some(79.0))
    );
}

#[test]
fn onclick_navigation_is_a_link_with_the_button_text() {
    let f = facts(
        r#"<input type="button" value="주문하기" onclick="location.href='../order/order.html'">
        <button type="button" onclick="location.href='/order/cart.php'">장바구니 <b>담기</b></button>
        <button onclick="window.location.assign(&quot;/checkout&quot;)">Checkout</button>
        <button onclick="opt_change(-1,1)">-</button>
        <button onclick="location.href='javascript:void(0)'">x</button>"#,
    );
    let links: Vec<(&str, &str)> = f
        .links
        .iter()
        .map(|l| (l.url.path(), l.text.as_str()))
        .collect();
    assert_eq!(
        links,
        vec![
            ("/order/order.html", "주문하기"),
            ("/order/cart.php", "장바구니 담기"),
            ("/checkout", "Checkout")
        ]
    );
    assert!(f.buttons.iter().any(|b| b == "장바구니 담기"));
}

#[test]
fn a_page_declaring_its_product_in_json_ld_is_not_searched_for_cards() {
    let grid = r#"<ul class="related"><li class="card"><a href="/a">Linen Apron</a> <span class="price">$40.00</span></li>
        <li class="card"><a href="/b">Canvas Tote</a> <span class="price">$28.00</span></li>
        <li class="card"><a href="/c">Wool Throw</a> <span class="price">$120.00</span></li></ul>"#;
    let ld = r#"<script type="application/ld+json">{"@type":"Product","name":"Oak Tray","offers":{"@type":"Offer","price":"55.00","priceCurrency":"USD"}}</script>"#;
    let with = facts(&format!(
        "<html><head>{ld}</head><body><h1>Oak Tray</h1>{grid}</body></html>"
    ));
    assert!(cards_of(&with).is_empty(), "{:?}", cards_of(&with));
    assert!(with.products.iter().any(|p| p.name == "Oak Tray"));
    let without = facts(&format!("<html><body><h1>Shop</h1>{grid}</body></html>"));
    assert_eq!(cards_of(&without).len(), 3, "{:?}", cards_of(&without));
}

#[test]
fn a_posted_button_form_is_a_link_but_a_form_asking_the_visitor_is_not() {
    let f = facts(
        r#"<form action="method.php" method="post"><input type="submit" value="ご購入手続きへ進む"></form>
        <form action="/search" method="post"><input name="q"><button>Search</button></form>
        <form action="/login" method="post"><input type="password" name="pw"><button>Log in</button></form>
        <form action="/qty" method="get"><button>Update</button></form>"#,
    );
    let urls: Vec<&str> = f.links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(urls, vec!["https://shop.example/products/method.php"]);
    assert_eq!(f.links[0].text, "ご購入手続きへ進む");
}

fn unmarked_of(f: &PageFacts) -> Vec<(String, f64)> {
    products_of(f, "unmarked")
}

#[test]
fn a_grid_priced_by_bare_grouped_numbers_gives_unmarked_cards() {
    let grid = |cards: &[(&str, &str)]| {
        let items: String = cards
            .iter()
            .map(|(n, p)| {
                format!(
                    r#"<div class="item"><a href="/p/{n}"><h3>{n}</h3></a><span>{p}</span></div>"#
                )
            })
            .collect();
        facts(&format!(r#"<div class="grid">{items}</div>"#))
    };
    let f = grid(&[
        ("Chân váy bò chữ A", "1.290.000"),
        ("Áo sơ mi lụa", "890.000"),
        ("Quần âu ống suông", "1.150.000"),
    ]);
    assert_eq!(
        unmarked_of(&f),
        vec![
            ("Chân váy bò chữ A".to_string(), 1_290_000.0),
            ("Áo sơ mi lụa".to_string(), 890_000.0),
            ("Quần âu ống suông".to_string(), 1_150_000.0),
        ]
    );
    assert!(cards_of(&f).is_empty(), "not counted as marked prices");
    // Two cards are not a grid for bare numbers; years, ratings and phone numbers are no prices.
    assert!(unmarked_of(&grid(&[("Áo", "890.000"), ("Quần", "1.150.000")])).is_empty());
    assert!(unmarked_of(&grid(&[
        ("A", "2024"),
        ("B", "4.5"),
        ("C", "010-1234-5678")
    ]))
    .is_empty());
    // A split price whose first half is a bare number is still a marked price.
    let f = grid(&[
        ("무쇠 팬", "16,000</span><span>원"),
        ("뚝배기", "9,000</span><span>원"),
        ("도마", "12,000</span><span>원"),
    ]);
    assert_eq!(cards_of(&f).len(), 3, "{:?}", f.products);
    assert!(unmarked_of(&f).is_empty());
}
