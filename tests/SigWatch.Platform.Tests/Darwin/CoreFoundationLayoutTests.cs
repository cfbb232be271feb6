using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform.Tests.Darwin;

// CF ABI facts (macos-integration.md §3.6, CF:CFBase.h) that hold on both 64-bit macOS targets; asserted everywhere.
public class CoreFoundationLayoutTests
{
    [Fact]
    public void CFRange_IsTwoCFIndexes()
    {
        Assert.Equal(16, Unsafe.SizeOf<CFRange>());
        Assert.Equal(16, Marshal.SizeOf<CFRange>());
        Assert.Equal(0, (int)Marshal.OffsetOf<CFRange>(nameof(CFRange.Location)));
        Assert.Equal(8, (int)Marshal.OffsetOf<CFRange>(nameof(CFRange.Length)));
    }
}
