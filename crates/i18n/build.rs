// The Fluent files are compiled into the crate: rebuild when any of them changes or is added.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
