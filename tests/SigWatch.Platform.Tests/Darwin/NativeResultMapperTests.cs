using SigWatch.Core.Verification;
using SigWatch.Platform.Darwin;

namespace SigWatch.Platform.Tests.Darwin;

// User-info shapes as documented in macos-integration.md §3.5 and converted by CFValueConverter: CFURL → POSIX path
// string, CFArray → List<object?>, CFString → string.
public class NativeResultMapperTests
{
    private const string App = "/Applications/Demo.app";

    [Fact]
    public void Success_IsValidWithoutFindings()
    {
        var outcome = NativeResultMapper.Map(0, null, App);
        Assert.Equal(AssessmentVerdict.Valid, outcome.Verdict);
        Assert.Empty(outcome.Findings);
    }

    [Fact]
    public void Unsigned_IsUnsignedWithNotSignedFinding()
    {
        var outcome = NativeResultMapper.Map(-67062, null, App);
        Assert.Equal(AssessmentVerdict.Unsigned, outcome.Verdict);
        var finding = Assert.Single(outcome.Findings);
        Assert.Equal("not-signed", finding.KindName);
        Assert.Contains("errSecCSUnsigned", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ResourcesInvalid_WithArraysOfUrls_ListsEachFileRelativeToContents()
    {
        var userInfo = new Dictionary<string, object?>
        {
            ["SecCSResourceAdded"] = new List<object?> { App + "/Contents/Resources/extra.txt" },
            ["SecCSResourceAltered"] = new List<object?> { App + "/Contents/Resources/en.lproj/Main.strings", App + "/Contents/Info2.plist" },
            ["SecCSResourceMissing"] = new List<object?> { App + "/Contents/Resources/gone.png" },
        };

        var outcome = NativeResultMapper.Map(-67054, userInfo, App);

        Assert.Equal(AssessmentVerdict.Invalid, outcome.Verdict);
        Assert.Equal(
            [("file-added", "Resources/extra.txt"), ("file-modified", "Resources/en.lproj/Main.strings"), ("file-modified", "Info2.plist"), ("file-missing", "Resources/gone.png")],
            outcome.Findings.Select(f => (f.KindName, f.Path)).ToList());
        Assert.All(outcome.Findings, f => Assert.Equal(FindingSeverity.Error, f.Severity));
    }

    [Fact]
    public void ResourceKey_WithSingleUrl_IsAcceptedToo()
    {
        var userInfo = new Dictionary<string, object?> { ["SecCSResourceMissing"] = App + "/Contents/Resources/a" };
        var finding = Assert.Single(NativeResultMapper.Map(-67055, userInfo, App).Findings);
        Assert.Equal(FindingKind.FileMissing, finding.Kind);
        Assert.Equal("Resources/a", finding.Path);
    }

    [Fact]
    public void ResourcesInvalid_WithoutUserInfo_KeepsTheStatusFinding()
    {
        var finding = Assert.Single(NativeResultMapper.Map(-67055, new Dictionary<string, object?>(), App).Findings);
        Assert.Equal(FindingKind.FileModified, finding.Kind);
        Assert.Equal(App, finding.Path);
    }

    [Fact]
    public void NestedCodeFailure_UsesComponentPathAndArchitecture()
    {
        var userInfo = new Dictionary<string, object?>
        {
            ["SecComponentPath"] = App + "/Contents/Frameworks/Helper.framework",
            ["SecCSArchitecture"] = "x86_64",
        };

        var finding = Assert.Single(NativeResultMapper.Map(-67021, userInfo, App).Findings);
        Assert.Equal("nested-code-invalid", finding.KindName);
        Assert.Equal("Frameworks/Helper.framework", finding.Path);
        Assert.Equal("x86_64", finding.Architecture);
    }

    [Fact]
    public void ManyResourceFailures_AreCappedWithASummary()
    {
        var paths = Enumerable.Range(0, NativeResultMapper.MaxFindingsPerKey + 10)
            .Select(i => (object?)$"{App}/Contents/Resources/f{i}").ToList();
        var findings = NativeResultMapper.Map(-67054, new Dictionary<string, object?> { ["SecCSResourceAdded"] = paths }, App).Findings;
        Assert.Equal(NativeResultMapper.MaxFindingsPerKey + 1, findings.Count);
        Assert.Contains("10 more", findings[^1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void UnexpectedUserInfoShapes_AreIgnoredNotGuessed()
    {
        var userInfo = new Dictionary<string, object?>
        {
            ["SecCSResourceAdded"] = 42L,
            ["SecCSArchitecture"] = new byte[] { 1 },
            ["SecCSResourceAltered"] = new List<object?> { new CFOpaqueValue("<SecCertificate>"), null },
        };

        var finding = Assert.Single(NativeResultMapper.Map(-67054, userInfo, App).Findings);
        Assert.Equal(FindingKind.FileModified, finding.Kind);
        Assert.Null(finding.Architecture);
    }

    [Fact]
    public void RequirementSyntaxError_IsInTheDetail()
    {
        var userInfo = new Dictionary<string, object?> { ["SecRequirementSyntax"] = "unexpected token: ident" };
        var finding = Assert.Single(NativeResultMapper.Map(-67052, userInfo, "requirement").Findings);
        Assert.Contains("unexpected token: ident", finding.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-67070)]
    [InlineData(-12345)]
    public void OperationalOrUnknownStatus_GivesUnknownVerdictWithInfoFinding(int status)
    {
        var outcome = NativeResultMapper.Map(status, null, App);
        Assert.Equal(AssessmentVerdict.Unknown, outcome.Verdict);
        Assert.Equal(FindingSeverity.Info, Assert.Single(outcome.Findings).Severity);
    }

    [Theory]
    [InlineData("/Applications/Demo.app/Contents/MacOS/Demo", "MacOS/Demo")]
    [InlineData("/Applications/Demo.app/Wrapper/x", "Wrapper/x")]
    [InlineData("/Applications/Other.app/Contents/x", "/Applications/Other.app/Contents/x")]
    [InlineData("/Applications/Demo.application/x", "/Applications/Demo.application/x")]
    public void Relative_StripsContentsOrBundleRoot(string path, string expected) =>
        Assert.Equal(expected, NativeResultMapper.Relative(path, App + "/"));
}

public class NativeResultMapperCanonicalPathTests
{
    [Fact]
    public void ResourcePathsUnderTheCanonicalPath_AreRelativeToo()
    {
        // /var is a symlink to /private/var on macOS; the framework may report the resolved form.
        var userInfo = new Dictionary<string, object?>
        {
            ["SecCSResourceAdded"] = new List<object?> { "/private/var/folders/x/Demo.app/Contents/Resources/extra.txt" },
        };

        var finding = Assert.Single(NativeResultMapper.Map(-67054, userInfo, "/var/folders/x/Demo.app", "/private/var/folders/x/Demo.app").Findings);

        Assert.Equal("Resources/extra.txt", finding.Path);
    }

    [Fact]
    public void Relative_PrefersTheCheckedPathWhenTheCanonicalOneDoesNotMatch() =>
        Assert.Equal("Resources/a", NativeResultMapper.Relative("/Apps/D.app/Contents/Resources/a", "/Apps/D.app", "/Volumes/X/D.app"));
}

public class LibcRealPathTests
{
    [Fact]
    public void RealPath_ResolvesSymlinksAndReturnsNullForMissing()
    {
        using var dir = new SigWatch.TestSupport.TempDirectory();
        var target = Directory.CreateDirectory(dir.Combine("target")).FullName;
        var link = dir.Combine("link");
        Directory.CreateSymbolicLink(link, target);

        Assert.Equal(SigWatch.Platform.Interop.Libc.RealPath(target), SigWatch.Platform.Interop.Libc.RealPath(link));
        Assert.EndsWith("/target", SigWatch.Platform.Interop.Libc.RealPath(link), StringComparison.Ordinal);
        Assert.Null(SigWatch.Platform.Interop.Libc.RealPath(dir.Combine("absent")));
    }
}
