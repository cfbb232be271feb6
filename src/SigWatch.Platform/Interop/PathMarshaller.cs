using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using System.Text;
using SigWatch.Core.FileSystem;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Marshals a path to the exact bytes of the name it stands for (<see cref="FileNames.Encode"/>): names that are not
/// valid UTF-8 reach the system call as they are on disk, where UTF-8 string marshalling would substitute U+FFFD.
/// </summary>
/// <remarks>
/// Caller-allocated: a path that fits <see cref="ManagedToUnmanagedIn.BufferSize"/> bytes is encoded into the generated
/// stub's stack buffer, so a system call on it allocates nothing. A seal walk makes four or five calls per file
/// (lstat, listxattr, open, fstat), and a heap copy per call showed in the profile of a 100,000-file verification.
/// </remarks>
[CustomMarshaller(typeof(string), MarshalMode.ManagedToUnmanagedIn, typeof(ManagedToUnmanagedIn))]
internal static unsafe class PathMarshaller
{
    public ref struct ManagedToUnmanagedIn
    {
        private byte* _native;
        private bool _allocated;

        public static int BufferSize => 512;

        public void FromManaged(string managed, Span<byte> buffer)
        {
            ArgumentNullException.ThrowIfNull(managed);
            int length;
            if (!FileNames.HasRawBytes(managed)
                && (Encoding.UTF8.GetMaxByteCount(managed.Length) < buffer.Length || Encoding.UTF8.GetByteCount(managed) < buffer.Length))
            {
                // The same bytes FileNames.Encode gives a name without raw bytes (Encoding.UTF8), without the array.
                length = Encoding.UTF8.GetBytes(managed, buffer);
            }
            else
            {
                var bytes = FileNames.Encode(managed);
                length = bytes.Length;
                if (length >= buffer.Length)
                {
                    _allocated = true;
                    buffer = new Span<byte>(NativeMemory.Alloc((nuint)length + 1), length + 1);
                }

                bytes.CopyTo(buffer);
            }

            // The buffer is the stub's stackalloc (already fixed) or native memory.
            _native = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer));
            if (buffer[..length].IndexOf((byte)0) >= 0)
            {
                Free();
                throw new ArgumentException($"the path '{FileNames.Display(managed)}' contains a NUL byte", nameof(managed));
            }

            buffer[length] = 0;
        }

        public readonly byte* ToUnmanaged() => _native;

        public void Free()
        {
            if (_allocated)
            {
                NativeMemory.Free(_native);
                _allocated = false;
            }
        }
    }
}
