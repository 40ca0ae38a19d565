// Message catalogues are compiled into the binary by fluent-templates' `static_loader!`;
// rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=templates/locales");
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=seeds");
}
