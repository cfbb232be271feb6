using System.Runtime.Versioning;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;

namespace SigWatch.Core.Tests.Seal;

/// <summary>Shared helpers: verify through the real lstat file tree and reduce a report to what a test asserts.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
internal static class SealTesting
{
    public static BundleVerificationReport Verify(string bundle, BundleVerifierOptions? options = null) =>
        new BundleVerifier(LstatFileTree.Instance, options).Verify(bundle);

    /// <summary>"kind path" for every error, in order, so a test states exactly what it expects.</summary>
    public static string[] Errors(BundleVerificationReport report) =>
        [.. report.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => $"{f.KindName} {f.Path}")];

    public static string Describe(BundleVerificationReport report) => string.Join("\n", report.Findings.Select(f => $"{f} @ {f.Path}"));
}
