import Foundation

/// Renders rows as left-aligned columns separated by two spaces, like `kubectl get` and `nomad status`.
struct TableFormatter {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table as text, one line per row, without trailing spaces.
    func render() -> String {
        let all = [headers] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                let isLast = index == row.count - 1
                line += isLast ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            return line
        }.joined(separator: "\n")
    }
}

/// Key/value lines with aligned values, for `wharf app show`.
struct DetailFormatter {
    private var pairs: [(String, String)] = []

    mutating func append(_ key: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        pairs.append((key, value))
    }

    func render() -> String {
        let width = (pairs.map(\.0.count).max() ?? 0) + 1
        return pairs.map { key, value in
            (key + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + value
        }.joined(separator: "\n")
    }
}
