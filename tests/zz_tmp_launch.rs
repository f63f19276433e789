#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_time() {
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let opts = siteready::render::LaunchOptions {
            path: siteready::render::chromium_path(&siteready::Config::default()),
            site_keys: vec!["127.0.0.1".into()],
            site_port: None,
            user_agent: "x".into(),
        };
        let b = siteready::render::Browser::launch(&opts).await.unwrap();
        eprintln!("LAUNCH {:?}", t.elapsed());
        let t = std::time::Instant::now();
        b.close().await;
        eprintln!("CLOSE {:?}", t.elapsed());
    }
}
