package import LandStore
package import Logging
import LandModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The services the API calls, over one store and the in-memory snapshot of its city.
package final class LandServices: Sendable {
    package let store: LandStore
    package let snapshots: SnapshotHolder
    /// Durations of the writes below, for LandAPI's metrics.
    package let storeWrites = StoreWriteTimings()
    /// The history read for `datetime=` answers, and the cities at instants built from it.
    let timelines = TimelineCache()
    let tileCache = TileCache()
    let logger: Logger
    let following = Mutex(FollowingState())
    /// Open problem reports by point, for "already reported here".
    let openReports = OpenReportIndex()
    /// Where photos are cleaned and hashed: off the event loops.
    let photoWorker = BackgroundWorker(name: "zamin.photos")

    /// The snapshot image kept for the next start-up, if any (`SnapshotImage`).
    private let image: SnapshotImageKeeper?

    private init(store: LandStore, first: CitySnapshot, cityVersion: CityVersion, image: SnapshotImageKeeper?, logger: Logger) {
        self.store = store
        self.snapshots = SnapshotHolder(first, cityVersion: cityVersion)
        self.image = image
        self.logger = logger
    }

    /// Opens the database at `path` (a file, or a `postgres://` URL) and loads the city; with
    /// `readReplica` (PostgreSQL), loads and follows it from that replica; with `snapshotImage`,
    /// from the image at that path when it is one of the stored city as it is, and keeps the
    /// image current for the next start-up.
    package static func open(
        databaseAt path: String, readReplica: String? = nil, snapshotImage: String? = nil, logger: Logger
    ) async throws(ServiceError) -> LandServices {
        do {
            let store = try LandStore(path: path, create: false, readReplica: readReplica, logger: logger)
            return try await open(store: store, snapshotImage: snapshotImage, logger: logger)
        } catch {
            throw .store(error)
        }
    }

    /// Flushes the write-ahead log into the database file (on shutdown), then saves the snapshot
    /// image if the city changed since the one loaded or saved.
    package func close() async {
        await store.close()
        guard let image else { return }
        await image.save(snapshots.published, of: store, logger: logger)
    }

    /// Loads every layer from the image at `snapshotImage` if it is one of the stored city as it
    /// is, else from the store, and builds the indexes; a city loaded from the store is saved as
    /// the image in the background (it serves a restart that finds the city unchanged).
    package static func open(store: LandStore, snapshotImage: String? = nil, logger: Logger) async throws(StoreError) -> LandServices {
        let image = snapshotImage.map(SnapshotImageKeeper.init(path:))
        if let image {
            let started = ContinuousClock.now
            let stamp = ImageStamp(city: try await store.cityStamp(), file: store.fileStamp)
            // One read of the image: of the city as it is, or of an older state to catch up.
            if let (snapshot, imaged) = SnapshotImage.read(from: image.path, accepting: { $0 == stamp || $0.canCatchUp(to: stamp) }) {
                if imaged == stamp {
                    logger.info(
                        "city loaded from the snapshot image",
                        metadata: ["image": "\(image.path)", "ms": "\((ContinuousClock.now - started).wholeMilliseconds)"])
                    image.loaded(stamp)
                    returnFreedMemory()
                    return LandServices(store: store, first: snapshot, cityVersion: stamp.city.version, image: image, logger: logger)
                }
                if let services = try await catchUp(snapshot, of: imaged, from: image, store: store, started: started, logger: logger) {
                    return services
                }
            }
            logger.info("no snapshot image of the stored city; loading it from the store", metadata: ["image": "\(image.path)"])
        }
        let (snapshot, version) = try await loadCity(from: store)
        returnFreedMemory()
        let services = LandServices(store: store, first: snapshot, cityVersion: version, image: image, logger: logger)
        image?.saveInBackground(services.snapshots.published, of: store, logger: logger)
        return services
    }

    /// A node that finds an image of an older state of its PostgreSQL city — it was down while
    /// other nodes or tools changed it, or it was given a copy of another node's image — loads the
    /// image and applies what changed since, as a running node follows others' writes
    /// (`followOtherWriters`), instead of reading every row. Only when the change log shows that
    /// state in this database's past (`holdsChange`), and only for changes of features: an
    /// import, a reshape, a street or rule since is a reload of the whole city as before. nil when
    /// the image cannot be caught up. `older` is the image's city, `imaged` the state it is of
    /// (`ImageStamp.canCatchUp` to the stored one).
    private static func catchUp(
        _ older: CitySnapshot, of imaged: ImageStamp, from image: SnapshotImageKeeper, store: LandStore, started: ContinuousClock.Instant,
        logger: Logger
    ) async throws(StoreError) -> LandServices? {
        guard try await store.holdsChange(imaged.city.lastChange) else { return nil }
        let changes = try await store.cityChanges(since: imaged.city.version, reshapeHeld: imaged.city.reshapedAt)
        // A read replica behind the image's state: load the whole city from it, as without an image.
        guard !changes.needsWholeCity, changes.version.number >= imaged.city.version.number else { return nil }
        let snapshot = older.applying(changes)
        returnFreedMemory()
        logger.info(
            "city caught up from an older snapshot image",
            metadata: [
                "image": "\(image.path)", "image_version": "\(imaged.city.version.number)", "data_version": "\(changes.version.number)",
                "features": "\(changes.count)", "ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
            ])
        let services = LandServices(store: store, first: snapshot, cityVersion: changes.version, image: image, logger: logger)
        image.saveInBackground(services.snapshots.published, of: store, logger: logger)
        return services
    }

    /// The whole city as stored (one read transaction) and its version.
    private static func loadCity(from store: LandStore) async throws(StoreError) -> (CitySnapshot, CityVersion) {
        var city = try await store.loadCity()
        // Extra properties without our column names, once here rather than per feature written;
        // the parcels in place (the only copy of the rows while the snapshot is built).
        Parallel.updateInPlace(&city.parcels) { $0 = $0.withExtraPropertiesCompacted }
        let snapshot = CitySnapshot(
            parcels: city.parcels, zones: city.zones.map(\.withExtraPropertiesCompacted),
            facilities: city.facilities.map(\.withExtraPropertiesCompacted), rules: city.rules,
            information: InformationLayers(texts: city.informationLayers))
        return (snapshot, city.version)
    }

    /// Issue 16 point 2: a change another process commits to the same file (`zamin import`, a
    /// second `zamin serve`) reaches this server within `interval` plus the time to apply it.
    /// Every `interval` the city's version is read on the writer (so this process's own changes,
    /// published in commit order, are never mistaken for another's). A version other than the
    /// published one reads what changed since (`LandStore.cityChanges`) and publishes the
    /// current city with those attributes, on the writer; a new import reloads the whole city.
    /// Runs until the task is cancelled.
    package func followOtherWriters(every interval: Duration = .milliseconds(100)) async {
        // PostgreSQL: a NOTIFY from the change-log triggers wakes the follower within a tick;
        // the poll every `interval` stays for notifications lost while disconnected.
        let listener = store.changeListener(logger: logger)
        let tick: Duration = listener == nil ? interval : .milliseconds(5)
        var sinceLook: Duration = .zero
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            sinceLook += tick
            if let listener, !listener.takeNotification(), sinceLook < interval { continue }
            sinceLook = .zero
            let looked = ContinuousClock.now
            // The published version is read after the stored one: the store reads it on the
            // writer, after every own change before it was published. Read before, an own edit
            // committed in between looked like another process's, and reloaded the whole city
            // (scripts/bench-edits: 1 PATCH in 25 took 1.4 s on 100k parcels instead of 30 ms).
            guard let stored = try? await store.followedVersion() else {
                following.withLock { $0.storeReachable = false }
                continue
            }
            let published = snapshots.published.cityVersion
            following.withLock { state in
                state.storeReachable = true
                state.storedVersion = max(state.storedVersion, stored.number)
            }
            guard stored.number > published.number else {
                markCaughtUp(at: looked)
                continue
            }
            do {
                let started = ContinuousClock.now
                let holder = snapshots
                let changes = try await store.cityChanges(since: published)
                var applied: Bool
                if changes.needsWholeCity {
                    let (city, version) = try await Self.loadCity(from: store)
                    applied = await store.onWriter { holder.publishReloaded(city, cityVersion: version) }
                } else {
                    applied = await store.onWriter { holder.publishOthersChanges(changes) }
                }
                if applied || snapshots.published.cityVersion.number >= stored.number {
                    markCaughtUp(at: looked)
                }
                let elapsed = (ContinuousClock.now - started).components
                logger.info(
                    "city changed by another process",
                    metadata: [
                        "data_version": "\(changes.version.number)", "whole_city": "\(changes.needsWholeCity)",
                        "features": "\(changes.count)", "published": "\(applied)",
                        "ms": "\(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)",
                    ])
            } catch {
                logger.error("reading another process's changes failed; the published city stays", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The published city held everything stored when the store was looked at, at `instant`.
    private func markCaughtUp(at instant: ContinuousClock.Instant) {
        following.withLock { state in
            state.caughtUpAt = instant
            state.caughtUp = true
        }
    }

    /// Counts for `/health`, from the snapshot (no SQL), and the version of the city it holds.
    package var health: Health {
        let published = snapshots.published
        let snapshot = published.snapshot
        let state = following.withLock { $0 }
        let now = ContinuousClock.now
        let behind = state.storedVersion > published.cityVersion.number
        return Health(
            parcels: snapshot.parcels.count, zones: snapshot.zones.count, facilities: snapshot.facilities.count,
            dataVersion: published.cityVersion.number, dataChangedAt: published.cityVersion.changedAt,
            storeVersion: max(state.storedVersion, published.cityVersion.number),
            lagMilliseconds: behind ? (now - state.caughtUpAt).wholeMilliseconds : 0,
            caughtUp: state.caughtUp, storeReachable: state.storeReachable, store: store.isPostgres ? "postgres" : "sqlite")
    }
}

/// What the follower last saw of the store (issue 17 point 3: `/health` shows a node's sequence
/// and lag, and `/health?ready` waits for it to have caught up after start-up).
struct FollowingState: Sendable {
    /// The newest version read from the store.
    var storedVersion = 0
    /// When the published city last equalled the store's version.
    var caughtUpAt = ContinuousClock.now
    /// Whether the follower has once found the published city current since start-up.
    var caughtUp = false
    var storeReachable = true
}

package struct Health: Sendable, Equatable {
    package var parcels: Int
    package var zones: Int
    package var facilities: Int
    /// The version of the stored city the snapshot holds, and when it last changed (RFC 3339, UTC).
    package var dataVersion: Int
    package var dataChangedAt: String?
    /// The newest version of the city the node has read from the store: the node's sequence is
    /// `dataVersion`, this minus it is how many it has still to apply.
    package var storeVersion: Int
    /// How long the node has been behind the store (0 when current).
    package var lagMilliseconds: Int64
    /// Whether the node has caught up with the store since it started (`/health?ready`).
    package var caughtUp: Bool
    /// Whether the last look at the store's version succeeded.
    package var storeReachable: Bool
    /// "sqlite" or "postgres".
    package var store: String
}

/// Gives the heap freed by a load back to the system: the rows read from the store (1M parcels
/// with their outlines) are freed once the snapshot is built, but glibc's malloc keeps freed
/// memory for reuse, and the node would hold it resident for good (issue 17 point 8 counts
/// resident memory).
private func returnFreedMemory() {
    #if canImport(Glibc)
    // malloc_trim(3) is glibc's own and not in Swift's Glibc module: found at run time.
    typealias MallocTrim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    #endif
}
