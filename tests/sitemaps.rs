//! Sitemaps as sites serve them: a gzip sitemap named in robots.txt seeds the crawl with pages
//! no link shows.

use std::io::Write;

use siteready::rules::RuleSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_sitemap_named_in_robots_txt_seeds_the_crawl() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("index.html"),
        "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1><p>Welcome.</p></body></html>",
    )
    .unwrap();
    std::fs::write(
        p.join("hidden-page.html"),
        "<!doctype html><html><head><title>Hidden</title></head><body><h1>Only in the sitemap</h1></body></html>",
    )
    .unwrap();
    std::fs::write(
        p.join("robots.txt"),
        "User-agent: *\nAllow: /\nSitemap: /maps/sitemap.xml.gz\n",
    )
    .unwrap();
    std::fs::create_dir(p.join("maps")).unwrap();
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/hidden-page.html</loc></url></urlset>"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(xml.as_bytes()).unwrap();
    std::fs::write(p.join("maps/sitemap.xml.gz"), gz.finish().unwrap()).unwrap();

    let rules = RuleSet::embedded().unwrap();
    let config = siteready::Config {
        render: siteready::config::RenderMode::Never,
        exhaustive: true,
        probe: false,
        ..siteready::fixtures::config()
    };
    let r = siteready::audit(p.to_str().unwrap(), &rules, &config)
        .await
        .unwrap();
    assert_eq!(r.crawl.sitemap_urls, 1, "{:?}", r.errors);
    assert!(
        r.crawl
            .pages
            .iter()
            .any(|pg| pg.url.ends_with("/hidden-page.html") && pg.status == 200),
        "{:?}",
        r.crawl.pages.iter().map(|p| &p.url).collect::<Vec<_>>()
    );
}
