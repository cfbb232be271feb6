using SigWatch.Platform.Interop;

namespace SigWatch.Platform;

/// <summary>What <see cref="NativeHeap.Trim"/> could do.</summary>
public enum NativeHeapTrim
{
    /// <summary>Free pages of the C heap were given back to the kernel.</summary>
    Released,

    /// <summary>The C allocator was asked and had nothing to give back.</summary>
    NothingToRelease,

    /// <summary>No call for it on this platform or C library: nothing was asked.</summary>
    NotSupported,
}

/// <summary>The C heap under the runtime: SQLite, OpenSSL, the runtime's own native allocations.</summary>
public static class NativeHeap
{
    /// <summary>
    /// Gives the C heap's free pages back to the kernel, once work has ended. glibc keeps what a burst freed inside its
    /// arenas (one per thread that allocated, up to eight per core) until asked: after 500 assessments the daemon was
    /// ~4 MB larger than under MALLOC_ARENA_MAX=1 (scripts/bench-idle.sh), and with this trim ~2 MB smaller in the
    /// median (docs/benchmarks.md, "Daemon memory and idle CPU").
    /// Linux with glibc: malloc_trim(0). Elsewhere nothing is called (<see cref="NativeHeapTrim.NotSupported"/>): on
    /// macOS the allocator's own call for this is not among the facts this project works from, and nothing of this has
    /// run on a Mac.
    /// </summary>
    public static NativeHeapTrim Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return NativeHeapTrim.NotSupported;
        }

        try
        {
            return Libc.MallocTrim(0) == 1 ? NativeHeapTrim.Released : NativeHeapTrim.NothingToRelease;
        }
        catch (EntryPointNotFoundException)
        {
            return NativeHeapTrim.NotSupported; // a C library other than glibc (musl)
        }
    }
}
