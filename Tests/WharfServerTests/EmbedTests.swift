import Testing
@testable import WharfServer

@Suite("Marathon API: embed resolution", .timeLimit(.minutes(3)))
struct EmbedTests {
    @Test("app embeds accept the app., apps., group.apps. and empty prefixes")
    func prefixes() {
        #expect(AppEmbed(values: ["app.counts"]) == .counts)
        #expect(AppEmbed(values: ["apps.counts"]) == .counts)
        #expect(AppEmbed(values: ["group.apps.counts"]) == .counts)
        #expect(AppEmbed(values: ["counts"]) == .counts)
        #expect(AppEmbed(values: ["app.readiness", "apps.taskStats"]) == [.readiness, .taskStats])
    }

    @Test("tasks implies deployments; failures is tasks + lastTaskFailure + deployments; unknown values are ignored")
    func implications() {
        #expect(AppEmbed(values: ["app.tasks"]) == [.tasks, .deployments])
        #expect(AppEmbed(values: ["app.failures"]) == [.tasks, .lastTaskFailure, .deployments])
        #expect(AppEmbed(values: ["app.bogus", "group.groups", ""]).isEmpty)
    }

    @Test("defaults: list adds counts and deployments, a single app also tasks and lastTaskFailure")
    func defaults() {
        #expect(AppEmbed.listDefault == [.counts, .deployments])
        #expect(AppEmbed.singleDefault.isSuperset(of: [.counts, .deployments, .tasks, .lastTaskFailure]))
    }

    @Test("group embeds: all of groups, apps, pods without group-level values")
    func groups() {
        let none = GroupEmbed(values: [])
        #expect(none.groups && none.apps && none.pods && none.app.isEmpty)
        let onlyApps = GroupEmbed(values: ["group.apps", "group.apps.counts"])
        #expect(onlyApps.apps && !onlyApps.groups && !onlyApps.pods)
        #expect(onlyApps.app == .counts)
        let appEmbedOnly = GroupEmbed(values: ["group.apps.tasks"])
        #expect(appEmbedOnly.groups && appEmbedOnly.apps)
        #expect(appEmbedOnly.app == [.tasks, .deployments])
        // An app-level value without the group prefix does not embed anything into groups' apps.
        #expect(GroupEmbed(values: ["app.tasks"]).app.isEmpty)
    }
}
