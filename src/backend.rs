//! Choosing the compute device: burn's `flex` CPU backend everywhere, and its wgpu backend
//! (WebGPU in the browser, Vulkan or Metal natively) when the `wgpu` feature is on.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Flex,
    Wgpu,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("unknown backend `{0}`: expected flex or wgpu")]
    Unknown(String),
    #[error("this build has no wgpu backend (built without the `wgpu` feature)")]
    WgpuNotBuilt,
    #[cfg(feature = "wgpu")]
    #[error("no usable GPU through wgpu: {0}")]
    WgpuInit(#[from] burn::tensor::wgpu::WgpuInitError),
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Flex => "flex",
            Self::Wgpu => "wgpu",
        }
    }

    /// The device for training (autodiff on). Async because WebGPU's adapter request is; on
    /// native targets it completes at once.
    pub async fn init(self) -> Result<Device, BackendError> {
        let device = match self {
            Self::Flex => Device::flex(),
            #[cfg(feature = "wgpu")]
            Self::Wgpu => match Device::wgpu_options().init_async().await {
                Ok(device) => device,
                // Set up already in this process: by an earlier init, or by burn's default
                // device, which a record read from bytes lands on. That runtime is the one
                // asked for (the default adapter, default options): burn says to reuse it.
                Err(burn::tensor::wgpu::WgpuInitError::Registration { .. }) => {
                    Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)
                }
                Err(error) => return Err(error.into()),
            },
            #[cfg(not(feature = "wgpu"))]
            Self::Wgpu => return Err(BackendError::WgpuNotBuilt),
        };
        Ok(device.autodiff())
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = BackendError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "flex" | "cpu" => Ok(Self::Flex),
            "wgpu" | "webgpu" | "gpu" => Ok(Self::Wgpu),
            other => Err(BackendError::Unknown(other.into())),
        }
    }
}

/// A read-back as f64, whatever the element type (ints come back as the backend's int type).
pub(crate) fn read_f64(data: &burn::tensor::TensorData) -> Vec<f64> {
    data.clone()
        .try_into_vec_as::<f64>()
        .expect("numeric tensor data converts to f64")
}
