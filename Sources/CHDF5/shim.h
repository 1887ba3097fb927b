// Umbrella header for the CHDF5 system-library module.
//
// HDF5 spells its handles to predefined types and property lists as macros
// that read library globals after H5open() (H5T_NATIVE_FLOAT, H5F_ACC_RDONLY,
// H5P_DEFAULT, ...). Swift cannot import such macros, so each one used by
// Sources/Vision/Weights is re-exported here as a tiny inline function.
#include <hdf5.h>

static inline hid_t kf_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t kf_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t kf_h5s_all(void) { return H5S_ALL; }
static inline unsigned kf_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned kf_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t kf_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t kf_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t kf_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t kf_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t kf_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t kf_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t kf_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t kf_h5t_variable(void) { return H5T_VARIABLE; }

// The type of the link `name` in group `loc` (H5L_TYPE_HARD, _SOFT,
// _EXTERNAL or a user-defined type), or -1 when it cannot be read.
// H5Lget_info's struct differs between libhdf5 1.10 and 1.12; this hides it.
static inline int kf_h5l_type(hid_t loc, const char *name) {
    H5L_info_t info;
    if (H5Lget_info(loc, name, &info, H5P_DEFAULT) < 0) return -1;
    return (int)info.type;
}
