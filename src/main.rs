//! The `siteready` command. Everything lives in the library; this only maps flags and exit codes.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
