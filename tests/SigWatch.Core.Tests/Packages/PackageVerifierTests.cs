using System.Buffers.Binary;
using SigWatch.Core.Packages;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.Packages;

/// <summary>
/// Installer packages: the real unsigned Sparkle test.pkg (MANIFEST: xar, SHA-1 TOC checksum, no signature, PackageInfo
/// bzip2-encoded) and packages built here, signed with a test key and certificate (a valid signature on a chain that
/// is not Apple's), changed in their heap, stapled, and made hostile.
/// </summary>
public sealed class PackageVerifierTests
{
    private static readonly (System.Security.Cryptography.RSA Key, IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> Chain) s_signer =
        XarBuilder.TestSigner();

    private static PackageReport Verify(byte[] package) => new PackageVerifier().Verify("test.pkg", package);

    private static long HeapOffset(byte[] package) => 28 + (long)BinaryPrimitives.ReadUInt64BigEndian(package.AsSpan(8));

    [RealFixturesFact]
    public void Verify_RealSparkleTestPackage_IsUnsignedWithItsComponentAndAMatchingChecksum()
    {
        var report = new PackageVerifier().Verify(Path.Combine(RepoPaths.RealFixtures, "sparkle-adhoc-signed-dmg", "test.pkg"));

        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
        Assert.Equal("sha1", report.ChecksumStyle);
        Assert.True(report.ChecksumValid);
        Assert.Equal("component", report.Flavor);
        var component = Assert.Single(report.Components);
        Assert.Equal(("org.sparkle-project.testpkg", "0", "/tmp"), (component.Identifier, component.Version, component.InstallLocation));
        Assert.Empty(component.Scripts);
        Assert.Equal(2633, report.TrailingBytes);
        Assert.Equal(FindingKind.NotSigned, Assert.Single(report.Findings).Kind);
    }

    [Fact]
    public void Verify_UnsignedBuiltPackage_IsUnsignedAndListsItsComponentWithScripts()
    {
        var report = Verify(XarBuilder.Component("com.example.tool", "1.2", "/usr/local", withScripts: true).Build());

        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
        Assert.Equal("unsigned", report.Classification);
        var component = Assert.Single(report.Components);
        Assert.Equal(("com.example.tool", "1.2", "/usr/local"), (component.Identifier, component.Version, component.InstallLocation));
        Assert.Equal(["preinstall", "postinstall"], component.Scripts);
    }

    [Fact]
    public void Verify_ProductArchive_ListsTheComponentInItsPackageDirectory_AndADistributionWithoutScripts()
    {
        var report = Verify(XarBuilder.Product("com.example.app", "3.1").Build());

        Assert.Equal("product", report.Flavor);
        var component = Assert.Single(report.Components);
        Assert.Equal(("com.example.app.pkg", "com.example.app", "3.1", "/"), (component.Directory, component.Identifier, component.Version, component.InstallLocation));
        Assert.True(component.InfoRead);
        Assert.False(report.DistributionRunsScripts);
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.ArchivedChecksumMismatch);
    }

    [Fact]
    public void Verify_ProductArchiveWhoseDistributionRunsJavaScript_SaysSo()
    {
        var report = Verify(XarBuilder.Product("com.example.app", "3.1", distributionRunsScripts: true).Build());

        Assert.True(report.DistributionRunsScripts);
    }

    [Fact]
    public void Verify_APackageInfoWhoseBzip2TablesAreCorrupt_IsAMalformedPackageFinding_NotACrash()
    {
        // Found by AFL on the real test.pkg: one bit of a bzip2 stream's table changed (byte 14, ^0x10) makes
        // SharpZipLib's decoder index past its tables (IndexOutOfRangeException), which escaped the verifier.
        var corrupt = Convert.FromHexString(
            "425A683931415926535909552F2910001299805003F047BFEFDF50200068426A19323D41EA0F50F501A0D49B6AA7A6D51B5368D34D233499A8E0E1C3B3E118CCC03C321D542554158D1085321E403B637E8A52BA66DBE2B05AA49D53663F0450EFC1A528D98529DB3B11837A7E3491403E440BBD85D0101E5D3EA0A756B2F648E11B0297DD2192ED6FE2EE48A70A12012AA5E520");
        var package = new XarBuilder().WithStoredFile("PackageInfo", corrupt, 160, "application/x-bzip2").Build();

        var report = Verify(package);

        var finding = Assert.Single(report.Findings, f => f.Kind == FindingKind.MalformedPackage);
        Assert.StartsWith("PackageInfo: cannot be decoded (application/x-bzip2)", finding.Detail, StringComparison.Ordinal);
        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
    }

    [Fact]
    public void Verify_SignedWithATestCertificate_SignatureVerifiesButTheChainIsUntrusted()
    {
        var report = Verify(XarBuilder.Component("com.example.signed", "1.0", "/Applications", signer: s_signer).Build());

        Assert.True(report.SignatureValid);
        Assert.Equal(["RSA"], report.SignatureStyles);
        Assert.False(report.ChainTrusted);
        Assert.Equal("untrusted", report.Classification);
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var finding = Assert.Single(report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingKind.CertificateChainUntrusted, finding.Kind);
        Assert.Equal(2, report.Certificates.Count);
        Assert.Equal("SigWatch Test Installer", report.Certificates[0].CommonName);
    }

    [Fact]
    public void Verify_SignedWithRsaAndCms_BothVerifyOverTheChecksum()
    {
        var report = Verify(XarBuilder.Component("com.example.cms", "1.0", "/Applications", signer: s_signer, withCms: true).Build());

        Assert.True(report.SignatureValid);
        Assert.Equal(["RSA", "CMS"], report.SignatureStyles);
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.CmsSignatureInvalid);
    }

    [Fact]
    public void Verify_StoredChecksumByteChanged_IsTocChecksumMismatch()
    {
        var package = XarBuilder.Component("com.example.signed", "1.0", "/Applications", signer: s_signer).Build();
        package[HeapOffset(package)] ^= 0x01;

        var report = Verify(package);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.False(report.ChecksumValid);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.TocChecksumMismatch);
        Assert.Null(report.SignatureValid); // nothing to verify a signature over
    }

    [Fact]
    public void Verify_PayloadByteChanged_IsArchivedChecksumMismatchNamingTheFile()
    {
        var package = XarBuilder.Component("com.example.unsigned", "1.0", "/Applications").Build();
        package[^10] ^= 0x01; // inside the Payload, the last file in the heap

        var report = Verify(package);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var finding = Assert.Single(report.Findings, f => f.Kind == FindingKind.ArchivedChecksumMismatch);
        Assert.StartsWith("Payload: ", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RsaSignatureByteChanged_SignatureDoesNotVerify()
    {
        var package = XarBuilder.Component("com.example.signed", "1.0", "/Applications", signer: s_signer).Build();
        package[HeapOffset(package) + 20 + 7] ^= 0x01;

        var report = Verify(package);

        Assert.False(report.SignatureValid);
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CmsSignatureInvalid && f.Detail.Contains("RSA signature does not verify", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_PackageCutInsideItsCmsSignature_IsInvalidAndTheSignatureDoesNotCount()
    {
        var package = XarBuilder.Component("com.example.cut", "1.0", "/Applications", signer: s_signer, withCms: true).Build();
        var cut = package.AsSpan(0, (int)HeapOffset(package) + 20 + 256 + 100).ToArray();

        var report = Verify(cut);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.False(report.SignatureValid);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedPackage && f.Detail.StartsWith("<x-signature>", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_StapledTicket_IsReportedAndDoesNotBreakTheSignature()
    {
        var package = XarBuilder.Staple(XarBuilder.Component("com.example.signed", "1.0", "/Applications", signer: s_signer).Build(), new byte[300]);

        var report = Verify(package);

        Assert.Equal(300, report.TicketBytes);
        Assert.True(report.SignatureValid);
        Assert.Equal(0, report.TrailingBytes);
    }

    [Fact]
    public void Verify_Cancelled_StopsWhileHashingTheFiles()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("tool.pkg");
        File.WriteAllBytes(path, XarBuilder.Component("com.example.tool", "1.0", "/").Build());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => new PackageVerifier().Verify(path, cancelled.Token));
    }

    [Fact]
    public void Verify_TocThatInflatesPastWhatTheHeaderSays_IsMalformed()
    {
        var package = XarBuilder.Component("com.example.bomb", "1.0", "/").Build();
        BinaryPrimitives.WriteUInt64BigEndian(package.AsSpan(16), 100); // the real TOC is longer

        var report = Verify(package);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains("inflates to more than the 100 bytes", Assert.Single(report.Findings).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TocWhoseZlibHeaderAsksForAPresetDictionary_IsMalformed_NotACrash()
    {
        // Found by AFL: FDICT set in the TOC's zlib header (0x78 0xF9 still passes the header check) makes zlib
        // answer Z_NEED_DICT, which .NET throws as ZLibException, an IOException that escaped the verifier.
        var package = XarBuilder.Component("com.example.dict", "1.0", "/").Build();
        package[28] = 0x78;
        package[29] = 0xF9;

        var finding = Assert.Single(Verify(package).Findings);

        Assert.Equal(FindingKind.MalformedPackage, finding.Kind);
        Assert.Contains("the TOC is not a zlib stream", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_HeaderClaimingAHugeToc_IsRefusedUnread()
    {
        var package = XarBuilder.Component("com.example.bomb", "1.0", "/").Build();
        BinaryPrimitives.WriteUInt64BigEndian(package.AsSpan(16), 1UL << 40);

        var finding = Assert.Single(Verify(package).Findings);

        Assert.Equal(FindingKind.MalformedPackage, finding.Kind);
        Assert.Contains("at most", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_CompressedTocLongerThanTheFile_IsMalformed()
    {
        var package = XarBuilder.Component("com.example.cut", "1.0", "/").Build();
        BinaryPrimitives.WriteUInt64BigEndian(package.AsSpan(8), (ulong)package.Length);

        Assert.Equal(FindingKind.MalformedPackage, Assert.Single(Verify(package).Findings).Kind);
    }
}
