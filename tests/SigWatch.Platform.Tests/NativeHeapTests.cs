using System.Runtime.InteropServices;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests;

/// <summary>The C heap gives back what a burst freed when asked, not before (glibc keeps it in its arenas).</summary>
public sealed class NativeHeapTests
{
    [LinuxFact]
    public void Trim_AfterManySmallBlocksAreFreed_GivesTheirPagesBackToTheKernel()
    {
        const int Blocks = 64 * 1024;
        const int BlockSize = 1024; // far below the mmap threshold (128 KiB): every block lives inside an arena's heap
        long freed = 0, trimmed = 0;
        var result = NativeHeapTrim.NotSupported;
        // A thread of its own, as an assessment worker is: its blocks come from an arena of their own.
        var worker = new Thread(() =>
        {
            var blocks = new nint[Blocks];
            unsafe
            {
                for (var i = 0; i < Blocks; i++)
                {
                    var block = NativeMemory.Alloc(BlockSize);
                    NativeMemory.Fill(block, BlockSize, 0x5A); // touched: resident
                    blocks[i] = (nint)block;
                }

                // All but the last, which stays at the top of the heap, so free() cannot shrink the heap on its own.
                for (var i = 0; i < Blocks - 1; i++)
                {
                    NativeMemory.Free((void*)blocks[i]);
                }

                freed = Environment.WorkingSet;
                result = NativeHeap.Trim();
                trimmed = Environment.WorkingSet;
                NativeMemory.Free((void*)blocks[^1]);
            }
        });
        worker.Start();
        worker.Join();

        Assert.Equal(NativeHeapTrim.Released, result);
        Assert.True(freed - trimmed >= 32L << 20,
            $"64 MiB freed in 1 KiB blocks, resident {freed >> 20} MiB before the trim and {trimmed >> 20} MiB after");
    }

    [Fact]
    public void Trim_IsAskedOnlyWhereTheCLibraryHasACallForIt()
    {
        var result = NativeHeap.Trim();

        if (OperatingSystem.IsLinux())
        {
            Assert.NotEqual(NativeHeapTrim.NotSupported, result); // glibc, as on Debian and in CI
        }
        else
        {
            Assert.Equal(NativeHeapTrim.NotSupported, result);
        }
    }
}
