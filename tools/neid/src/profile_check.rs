//! `neid profile check FILE`: one line per broken rule, exit 1 if any.

use std::path::Path;

use profiles::Profile;

/// Prints the result; returns whether the profile is good.
pub fn run(file: &Path) -> bool {
    let shown = file.display();
    let profile = match Profile::from_file(file) {
        Ok(profile) => profile,
        Err(error) => {
            // Load errors already start with the file and position.
            println!("{error}");
            return false;
        }
    };
    let issues = profile.check();
    for issue in &issues {
        println!("{shown}: {issue}");
    }
    if issues.is_empty() {
        println!("{shown}: OK");
    }
    issues.is_empty()
}
