/// Marathon's rules for Mesos role names (`state/ResourceRole.scala`), as `acceptedResourceRoles`
/// must follow them.
enum ResourceRoles {
    /// The unreserved role.
    static let unreserved = "*"

    /// What Marathon answers for a resident app whose `acceptedResourceRoles` is not `["*"]`.
    static let residentMessage = "A resident app must have `acceptedResourceRoles = [\"*\"]`."

    /// Why `role` is not a valid role name (empty when it is).
    static func problems(of role: String) -> [String] {
        var problems: [String] = []
        if role == "" { problems.append("A role name must not be \"\".") }
        if role == "." { problems.append("A role name must not be \".\".") }
        if role == ".." { problems.append("A role name must not be \"..\".") }
        if role.hasPrefix("-") { problems.append("A role name must not start with a '-'.") }
        let forbidden: [(Character, String)] = [
            ("\u{09}", "horizontal tab (\\x09)"), ("\u{0a}", "line feed (\\x0a)"), ("\u{0b}", "vertical tab (\\x0b)"),
            ("\u{0c}", "form feed (\\x0c)"), ("\u{0d}", "carriage return (\\x0d)"), (" ", "space (\\x20)"),
            ("/", "slash (\\x2f)"), ("\u{7f}", "backspace (\\x7f)"),
        ]
        for (character, name) in forbidden where role.contains(character) {
            problems.append("A role name must not include a \(name) character.")
        }
        return problems
    }
}
