import Testing
@testable import WharfModel

@Suite("Docker value parsers", .timeLimit(.minutes(1)))
struct DockerValueTests {
    @Test func sizesAsGoUnitsReadsThem() throws {
        #expect(try DockerValue.bytes("512m") == 536_870_912)
        #expect(try DockerValue.bytes("1g") == 1 << 30)
        #expect(try DockerValue.bytes("1.5k") == 1536)
        #expect(try DockerValue.bytes("64 MiB") == 64 << 20)
        #expect(try DockerValue.bytes("10kb") == 10_240)
        #expect(try DockerValue.bytes("100") == 100)
        #expect(try DockerValue.bytes("7b") == 7)
        for bad in ["", "m", "1.2.3g", "-1", "1x", "1kib2", "1bb", "1ib", "64  m"] {
            #expect(throws: DockerValueError.self, "\(bad)") { try DockerValue.bytes(bad) }
        }
        #expect(try DockerValue.swapBytes("-1") == -1)
    }

    @Test func cpusAndDurations() throws {
        #expect(try DockerValue.nanoCPUs("1.5") == 1_500_000_000)
        #expect(try DockerValue.nanoCPUs(".25") == 250_000_000)
        #expect(try DockerValue.nanoCPUs("2") == 2_000_000_000)
        #expect(try DockerValue.nanoCPUs("0.000000001") == 1)
        #expect(try DockerValue.nanoCPUs("1.0000000000") == 1_000_000_000)
        #expect(throws: DockerValueError("'1.0000000001' is too precise: at most 9 decimals")) { try DockerValue.nanoCPUs("1.0000000001") }
        #expect(try DockerValue.duration("1m30s") == 90_000_000_000)
        #expect(try DockerValue.duration("1.5h") == 5_400_000_000_000)
        #expect(try DockerValue.duration("500ms") == 500_000_000)
        #expect(try DockerValue.duration("0") == 0)
        #expect(try DockerValue.duration("-2s") == -2_000_000_000)
        for bad in ["", "10", "1d", "s", "1.s.", "--1s"] {
            #expect(throws: DockerValueError.self, "\(bad)") { try DockerValue.duration(bad) }
        }
    }

    @Test func publishedPorts() throws {
        let simple = try DockerValue.publish("8080:80")
        #expect(simple == [.init(port: "80/tcp", hostIP: "", hostPort: "8080")])
        #expect(try DockerValue.publish("53/udp") == [.init(port: "53/udp", hostIP: "", hostPort: "")])
        #expect(try DockerValue.publish("[::1]:8080:80") == [.init(port: "80/tcp", hostIP: "::1", hostPort: "8080")])
        #expect(try DockerValue.publish("127.0.0.1::80") == [.init(port: "80/tcp", hostIP: "127.0.0.1", hostPort: "")])
        #expect(try DockerValue.publish("9000-9001:8000-8001").map(\.hostPort) == ["9000", "9001"])
        #expect(try DockerValue.publish("9000-9001:8000-8001").map(\.port) == ["8000/tcp", "8001/tcp"])
        #expect(try DockerValue.publish("9000-9010:80") == [.init(port: "80/tcp", hostIP: "", hostPort: "9000-9010")])
        #expect(try DockerValue.publish("published=8443,target=443,protocol=udp") == [.init(port: "443/udp", hostIP: "", hostPort: "8443")])
        #expect(try DockerValue.expose("7000-7002/udp") == ["7000/udp", "7001/udp", "7002/udp"])
    }

    @Test func networksShortAndLong() throws {
        #expect(try DockerValue.network("weave").target == "weave")
        #expect(try DockerValue.network("container:db").target == "container:db")
        let long = try DockerValue.network("name=front,alias=Web,alias=www,ip=10.0.0.9,driver-opt=com.docker.network.endpoint.sysctls=x=1,gw-priority=5")
        #expect(long.target == "front")
        #expect(long.aliases == ["web", "www"], "the CLI lower-cases the long syntax")
        #expect(long.ipv4 == "10.0.0.9")
        #expect(long.driverOptions == ["com.docker.network.endpoint.sysctls": "x=1"])
        #expect(long.gatewayPriority == 5)
        #expect(long.isUserDefined)
        #expect(!DockerValue.NetworkAttachment.isUserDefined("bridge") && !DockerValue.NetworkAttachment.isUserDefined("container:x"))
    }

    @Test func csvRecordsAsEncodingCSVReadsThem() throws {
        #expect(try DockerValue.csvFields("a,b,,c") == ["a", "b", "", "c"])
        #expect(try DockerValue.csvFields(#""device=0,1",x"#) == ["device=0,1", "x"])
        #expect(try DockerValue.csvFields(#""say ""hi""""#) == [#"say "hi""#])
        #expect(throws: DockerValueError.self) { try DockerValue.csvFields(#""open"#) }
        #expect(throws: DockerValueError.self) { try DockerValue.csvFields(#"a"b"#) }
    }

    @Test func volumesMountsAndDevices() throws {
        #expect(try DockerValue.volume("/h:/c:ro") == .init(source: "/h", target: "/c", options: "ro"))
        #expect(try DockerValue.volume("/c").source == nil)
        #expect(try DockerValue.volume("./d:/d").isBind)
        #expect(try !DockerValue.volume("named:/d").isBind)
        let mount = try DockerValue.mount("type=bind,src=./conf,dst=/etc/app,ro,bind-propagation=rslave")
        #expect(mount.type == "bind" && mount.source == "./conf" && mount.target == "/etc/app" && mount.readOnly && mount.propagation == "rslave")
        let tmpfs = try DockerValue.mount("type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700")
        #expect(tmpfs.tmpfsSize == 1 << 20 && tmpfs.tmpfsMode == 0o700)
        #expect(try DockerValue.device("/dev/fuse") == .mapping(host: "/dev/fuse", container: "/dev/fuse", permissions: "rwm"))
        #expect(try DockerValue.device("/dev/sda:r") == .mapping(host: "/dev/sda", container: "/dev/sda", permissions: "r"))
        #expect(try DockerValue.device("/dev/sda:/dev/xvda") == .mapping(host: "/dev/sda", container: "/dev/xvda", permissions: "rwm"))
        #expect(try DockerValue.device("vendor.com/class=name") == .cdi("vendor.com/class=name"))
        let gpus = try DockerValue.gpus(#""device=0,1",capabilities=compute"#)
        #expect(gpus.deviceIDs == ["0", "1"] && gpus.count == 0 && gpus.capabilities == ["compute", "gpu"])
        #expect(try DockerValue.gpus("all").count == -1)
        #expect(try DockerValue.gpus("driver=nvidia").count == 1)
    }

    @Test func keyValueFilesAsTheCLIReadsThem() throws {
        let entries = try DockerValue.keyValueFile("\u{FEFF}# comment\nA=1\r\n  B=two words\n\nC\n", name: "env")
        #expect(entries.map(\.key) == ["A", "B", "C"])
        #expect(entries.map(\.value) == ["1", "two words", nil])
        #expect(throws: DockerValueError("env line 1: variable 'BAD KEY' contains whitespaces")) {
            try DockerValue.keyValueFile("BAD KEY=1", name: "env")
        }
        #expect(throws: DockerValueError("env line 2: no variable name on line '=x'")) {
            try DockerValue.keyValueFile("A=1\n=x", name: "env")
        }
    }

    @Test func addressesAndNames() throws {
        #expect(try DockerValue.extraHost("db=[::1]") == "db:::1")
        #expect(try DockerValue.extraHost("gw:host-gateway") == "gw:host-gateway")
        #expect(try DockerValue.macAddress("0000.5e00.5301") == "0000.5e00.5301")
        #expect(try DockerValue.macAddress("02-00-5e-10-00-00-00-01") == "02-00-5e-10-00-00-00-01")
        #expect(try DockerValue.containerName("/web") == "web")
        #expect(DockerValue.isIPAddress("::ffff:10.0.0.1") && !DockerValue.isIPAddress("1::2::3") && !DockerValue.isIPAddress("256.0.0.1"))
        #expect(try DockerValue.ulimit("nofile=1024:2048") == .init(name: "nofile", soft: 1024, hard: 2048))
        #expect(try DockerValue.ulimit("core=-1") == .init(name: "core", soft: -1, hard: -1))
        #expect(throws: DockerValueError.self) { try DockerValue.ulimit("core=-1:10") }
    }
}
