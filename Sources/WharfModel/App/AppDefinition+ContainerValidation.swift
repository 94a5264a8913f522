import Foundation

extension AppDefinition {
    /// `container`: Marathon's rules (`AppValidation.validContainer`, `validOldContainerAPI`) plus what
    /// Wharf's Docker runtime needs to be able to run the app: an image reference Docker accepts,
    /// `docker.parameters` from the supported subset with usable values, volume paths that stay in bounds.
    func validateContainer(_ f: inout FailureCollector, features: Set<String>) {
        guard let container else { return }
        validateContainerSettings(container, features: features, &f)
        if container.type == .docker {
            if container.docker == nil { f.add("/container/docker", "not defined") }
            if networks.filter({ $0.mode == .container }).count > 1 {
                f.add("/", "may only specify a single container network when using the Docker container engine")
            }
            // The engine refuses a memory limit under 6 MiB (0 means none).
            if mem > 0 && mem < Self.dockerMinimumMemory {
                f.add("/mem", "got \(mem), expected at least \(Int(Self.dockerMinimumMemory)) (the Docker engine's minimum memory limit, MiB)")
            }
        }
        if let docker = container.docker {
            Self.validateImage(docker.image, &f)
            if container.type == .mesos {
                // Marathon: the Mesos containerizer does not take `docker run` options.
                if !docker.parameters.isEmpty { f.add("/container/docker/parameters", "must be empty") }
            } else {
                validateParameters(docker.parameters, &f)
            }
        }
        validateVolumes(container, features: features, &f)
    }

    /// A relative path with a `..` component.
    static func escapesSandbox(_ path: String) -> Bool {
        !path.hasPrefix("/") && path.split(separator: "/").contains("..")
    }

    private static func validateImage(_ image: String, _ f: inout FailureCollector) {
        let path = "/container/docker/image"
        // An empty image fails Marathon's RAML `minLength` before validation.
        guard !image.isEmpty else { return }
        do {
            _ = try DockerImageReference(parsing: image)
        } catch {
            f.add(path, "'\(image)' is not a valid Docker image reference (\(error.description))")
        }
    }

    /// Docker's smallest memory limit, MiB.
    static let dockerMinimumMemory: Double = 6

    /// Every parameter must name a `docker run` option whose value `docker run` would take
    /// (``DockerParameterList``), and together with the app they must not make a combination the
    /// CLI or the Engine always refuses.
    private func validateParameters(_ parameters: [DockerSettings.Parameter], _ f: inout FailureCollector) {
        let list = DockerParameterList(parameters)
        let conflicts = list.conflicts(memoryMiB: container?.type == .docker ? mem : 0, networks: networks,
                                       hasPortMappings: !(container?.portMappings ?? []).isEmpty)
        for problem in list.problems + conflicts {
            f.add("/container/docker/parameters" + problem.path, problem.message)
        }
    }
}
