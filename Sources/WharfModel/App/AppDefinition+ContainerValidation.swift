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
                Self.validateParameters(docker.parameters, memoryMiB: container.type == .docker ? mem : 0, &f)
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

    /// `memoryMiB`: the container's memory limit, which `memory-swap` (memory plus swap) may not be below.
    private static func validateParameters(_ parameters: [DockerSettings.Parameter], memoryMiB: Double, _ f: inout FailureCollector) {
        for (index, parameter) in parameters.enumerated() {
            let path = "/container/docker/parameters(\(index))"
            // `--label` is accepted as `label`, as `docker run` spells it.
            let name = parameter.key.hasPrefix("--") ? String(parameter.key.dropFirst(2)) : parameter.key
            guard let key = DockerParameterKey(rawValue: name) else {
                f.add(path + "/key", "unsupported docker parameter '\(parameter.key)'; supported: \(DockerParameterKey.supportedList)")
                continue
            }
            if let problem = key.problem(with: parameter.value) {
                f.add(path + "/value", problem)
            } else if key == .memorySwap, memoryMiB > 0, let bytes = DockerParameterKey.bytes(parameter.value),
                      Double(bytes) < memoryMiB * 1_048_576 {
                f.add(path + "/value", "memory-swap '\(parameter.value)' must be at least the app's mem (\(memoryMiB) MiB): it is memory plus swap")
            }
        }
    }
}
