//! libvolclone: the C ABI and JNI skin over volclone-core.
